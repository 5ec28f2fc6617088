"""The candidate truth-inference methods by name, and one fit with calibrated confidence.

The names are the stable values of a project's ``inference_method`` setting and of the quality
report's ``method``. Every candidate is fitted the same way (gold clamped, project classes) and
its confidence recalibrated by :func:`calibrated_posterior` with the annotator model that fits
the method: confusion matrices for Dawid-Skene, one accuracy per annotator for the others.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._data import Answers
from ..inference import GLAD, MACE, DawidSkene, MajorityVote, OneCoinDawidSkene
from ..inference._base import CategoricalAggregator
from ..inference.weighted_majority_vote import WeightedMajorityVote
from .calibrated import Model, calibrated_posterior

DEFAULT = "dawid_skene"
"""The method used without enough gold to choose (``quality.inference.default_estimator``)."""

METHODS: dict[str, Callable[[], CategoricalAggregator]] = {
    "dawid_skene": lambda: DawidSkene(n_iter=100, tol=1e-5),
    "one_coin_dawid_skene": lambda: OneCoinDawidSkene(n_iter=100, tol=1e-5),
    "majority_vote": MajorityVote,
    "weighted_majority_vote": WeightedMajorityVote,
    "glad": GLAD,
    "mace": MACE,
}
"""Candidates in order of preference on equal gold scores (the default first)."""

CALIBRATION_MODEL: dict[str, Model] = {"dawid_skene": "confusion"}
"""Annotator model of each method's calibration (``one_coin`` where not listed)."""


@dataclass(frozen=True)
class ClassConsensus:
    """One fit: per item (``items``), the label's column in ``classes`` and its calibrated
    probability; per annotator, the estimated accuracy."""

    method: str
    items: list[Any]
    classes: list[Any]
    label: NDArray[np.intp]
    confidence: NDArray[np.float64]
    probas: NDArray[np.float64]
    annotators: list[Any]
    skills: NDArray[np.float64]


def fit_method(
    name: str,
    answers: Answers,
    *,
    gold: Mapping[Hashable, Hashable] | None = None,
    classes: Iterable[Hashable] | None = None,
) -> CategoricalAggregator:
    """The named method, fitted (``ValueError`` for an unknown name)."""
    if name not in METHODS:
        raise ValueError(f"unknown inference method {name!r}; one of {sorted(METHODS)}")
    return METHODS[name]().fit(answers, gold, classes=classes)


def infer_classes(
    answers: Answers,
    *,
    method: str = DEFAULT,
    gold: Mapping[Hashable, Hashable] | None = None,
    classes: Iterable[Hashable] | None = None,
) -> ClassConsensus:
    """Labels by ``method`` and the calibrated probability that each is right.

    The label is the method's own (its accuracy is what was chosen); the confidence is the
    calibrated posterior of that label, so it can be below 0.5 where the calibrated model
    disagrees with the method.

    Example:
        >>> answers = [(t, w, t % 2) for t in range(40) for w in range(3)] + [(99, 0, 1)]
        >>> fit = infer_classes(answers, method="one_coin_dawid_skene")
        >>> fit.items[-1], fit.classes[int(fit.label[-1])], 0.8 < float(fit.confidence[-1]) < 1
        (99, 1, True)
    """
    classes = None if classes is None else list(classes)
    estimator = fit_method(method, answers, gold=gold, classes=classes)
    calibrated = calibrated_posterior(
        answers,
        estimator.probas_,
        gold=gold,
        classes=classes,
        model=CALIBRATION_MODEL.get(method, "one_coin"),
    )
    index = {c: k for k, c in enumerate(estimator.classes_)}
    label = np.fromiter(
        (index[c] for c in estimator.labels_), dtype=np.intp, count=len(estimator.labels_)
    )
    confidence = calibrated.probas[np.arange(len(label)), label] if len(label) else np.zeros(0)
    return ClassConsensus(
        method=method,
        items=list(estimator.items_),
        classes=list(estimator.classes_),
        label=label,
        confidence=np.asarray(confidence, dtype=np.float64),
        probas=calibrated.probas,
        annotators=calibrated.annotators,
        skills=calibrated.skills,
    )
