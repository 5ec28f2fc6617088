"""What every built-in model shares: the kind it serves, pre-labels and uncertainty.

A class-kind model only has to provide ``fit`` and ``predict_proba``; the base turns the
probabilities into labels, pre-labels in the SPEC result shape, uncertainty and accuracy.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning

from .uncertainty import uncertainty as _uncertainty


def check_training_labels(y: Sequence[Any], n_items: int) -> list[str]:
    """The class labels as strings; ValueError unless one per item and at least two classes."""
    labels = [str(v) for v in y]
    if len(labels) != n_items:
        raise ValueError(f"{n_items} items but {len(labels)} labels")
    if len(set(labels)) < 2:
        raise ValueError("a classifier needs final answers of at least two classes")
    return labels


class ClassModel(ClassifierMixin, BaseEstimator):
    """Base of the class-kind models (one label per item)."""

    kind: ClassVar[str] = ""
    classes_: NDArray[Any]

    def predict_proba(self, X: Sequence[Any]) -> NDArray[np.float64]:  # pragma: no cover
        raise NotImplementedError

    def predict(self, X: Sequence[Any]) -> list[str]:
        """The most probable label of each item."""
        proba = self.predict_proba(X)
        if len(proba) == 0:
            return []
        return [str(v) for v in self.classes_[np.argmax(proba, axis=1)]]

    def score(self, X: Sequence[Any], y: Sequence[Any], sample_weight: Any = None) -> float:
        """Accuracy of :meth:`predict` against ``y`` (NaN for no items)."""
        predicted = self.predict(X)
        if not predicted:
            return float("nan")
        return float(np.mean([p == str(t) for p, t in zip(predicted, y, strict=True)]))

    def uncertainty(self, X: Sequence[Any], method: str = "margin") -> NDArray[np.float64]:
        """Per item, in [0, 1], 1 the most uncertain (see :mod:`quality.models.uncertainty`)."""
        proba = self.predict_proba(X)
        if len(proba) == 0:
            return np.zeros(0)
        return _uncertainty(proba, method)

    def prelabels(self, X: Sequence[Any]) -> list[dict[str, Any]]:
        """``[{"result": {"label": ...}, "score": p}]``: the SPEC result and its probability."""
        proba = self.predict_proba(X)
        if len(proba) == 0:
            return []
        best = np.argmax(proba, axis=1)
        return [
            {"result": {"label": str(self.classes_[b])}, "score": float(proba[i, b])}
            for i, b in enumerate(best)
        ]


def fit_quietly(estimator: Any, X: Any, y: Any) -> Any:
    """``estimator.fit(X, y)`` without scikit-learn's ConvergenceWarning.

    The built-in models cap ``max_iter`` so that training time stays bounded on a busy worker;
    an optimiser stopped at the cap is expected and its held-out accuracy is what the platform
    shows, so the warning would only fill the worker's log.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)
