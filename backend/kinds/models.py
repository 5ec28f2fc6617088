"""A kind's built-in model (issue 21): how to make it, what it learns from, when it may train.

The model itself lives in ``quality.models`` (scikit-learn estimators, no backend imports); a
kind names its own here, so ``backend/models`` never asks which model serves which kind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from quality.models import answers_needed, new_model, training_targets


@dataclass(frozen=True, kw_only=True)
class BuiltInModel:
    # An unfitted estimator (``fit``, ``prelabels``, ``uncertainty``, ``score``).
    new: Callable[[], Any]
    # ``y`` for ``fit`` from final results in the kind's result shape.
    targets: Callable[[Sequence[dict[str, Any]]], list[Any]]
    # Final answers still missing before a model is worth training (0: train now).
    needed: Callable[[Sequence[dict[str, Any]]], int]
    # Folds of the cross-validated held-out score shown in the UI.
    folds: int = 5
    # Fit on ``model.features(inputs)`` computed once (every fold reuses them).
    fit_on_features: bool = False


def built_in_model(name: str, *, folds: int = 5, fit_on_features: bool = False) -> BuiltInModel:
    """The ``quality.models`` model registered for the kind ``name``."""
    return BuiltInModel(
        new=partial(new_model, name),
        targets=partial(training_targets, name),
        needed=partial(answers_needed, name),
        folds=folds,
        fit_on_features=fit_on_features,
    )
