"""The candidate truth-inference methods by name, and one fit with calibrated confidence.

The names are the stable values of a project's ``inference_method`` setting and of the quality
report's ``method``. Every candidate is fitted the same way (gold clamped, project classes) and
its confidence recalibrated by :func:`calibrated_posterior` with the annotator model that fits
the method: confusion matrices for Dawid-Skene, one accuracy per annotator for the others.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._data import Answers, encode
from ..inference import GLAD, MACE, DawidSkene, MajorityVote, OneCoinDawidSkene
from ..inference._base import CategoricalAggregator
from ..inference.weighted_majority_vote import WeightedMajorityVote
from .calibrated import Model, calibrated_posterior
from .gold_calibration import (
    CROWD_PRIOR,
    IDENTITY,
    MIN_GOLD,
    CalibrationPrior,
    PlattMap,
    cross_fitted_pairs,
    fit_platt,
    recalibrate,
)
from .stability import label_stability, per_answer_evidence

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
    calibration: PlattMap = IDENTITY
    answer_confidence: NDArray[np.float64] | None = None
    """The gold-free calibrated confidence (before the gold's map): how surely more answers
    would agree with the label, what adaptive overlap stops on. ``None``: the same as
    ``confidence``."""
    temperature: float = 1.0
    """The evidence's temperature in the gold-free calibration (``Calibrated.temperature``)."""
    stability: NDArray[np.float64] | None = None
    """Per item, the probability that the answers it may still get would not change its label
    (:func:`~quality.confidence.stability.label_stability`); ``None``: not asked for."""

    @property
    def stop_confidence(self) -> NDArray[np.float64]:
        """What an item's adaptive overlap compares with ``agreement_target``: the gold-free
        posterior of the label, or, when larger, the label's stability (confident that the label
        is right, or that no allowed answer would change it)."""
        posterior = self.confidence if self.answer_confidence is None else self.answer_confidence
        return posterior if self.stability is None else np.maximum(posterior, self.stability)


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


ANCHOR = False
"""Whether :func:`infer_classes` clamps the gold into the fit by default. Measured on the 19 real
crowds with 5% gold (``tests/benchmarks/results/replay.md``): clamping the gold changed the other
items' labels by a few, more often for the worse than for the better (Dawid-Skene lost 0.3 to 1
point on zheng_s_dog and act_cf_amt), while a fit without the gold can be scored on all of it
with no cross-fitting. So by default the gold judges the fit (method choice, calibration) and
teaches it nothing; ``anchor=True`` clamps it (the gold's calibration pairs are then
cross-fitted)."""


def infer_classes(
    answers: Answers,
    *,
    method: str = DEFAULT,
    gold: Mapping[Hashable, Hashable] | None = None,
    classes: Iterable[Hashable] | None = None,
    gold_calibration: bool = True,
    anchor: bool = ANCHOR,
    max_answers: int | None = None,
    calibration_prior: CalibrationPrior = CROWD_PRIOR,
) -> ClassConsensus:
    """Labels by ``method`` and the calibrated probability that each is right.

    The label is the method's own (its accuracy is what was chosen); the confidence is the
    calibrated posterior of that label, so it can be below 0.5 where the calibrated model
    disagrees with the method. Gold items are reported with their known label at confidence 1.

    Without ``anchor`` (the default, :data:`ANCHOR`) the method is fitted without the gold, so
    each gold item's confidence and label are a held-out (confidence, right?) pair; with
    ``anchor`` the gold is clamped into the fit and the pairs come from fits that did not see
    each item's gold (cross-fitting). With ``gold_calibration`` and at least
    :data:`~quality.confidence.gold_calibration.MIN_GOLD` answered gold items, the confidence is
    then mapped through a logistic map fitted on those pairs from ``calibration_prior``
    (:mod:`.gold_calibration`; the benchmark passes each real crowd a prior learnt without it). The
    gold-free confidence stays in ``answer_confidence``: adaptive overlap stops on it (whether
    more answers would change the label), while ``confidence`` says whether the label is right.
    On crowds that err together the two differ: more answers would only repeat the shared
    mistake, so asking for them buys nothing (measured on the real crowds in
    ``results/replay.md``). With ``max_answers`` (the project's ``max_overlap``) each item's
    ``stability`` is computed too: the probability that the answers it may still get would leave
    its label as it is (:mod:`.stability`); ``stop_confidence`` is then the larger of the two.

    Example:
        >>> answers = [(t, w, t % 2) for t in range(40) for w in range(3)] + [(99, 0, 1)]
        >>> fit = infer_classes(answers, method="one_coin_dawid_skene")
        >>> fit.items[-1], fit.classes[int(fit.label[-1])], 0.8 < float(fit.confidence[-1]) < 1
        (99, 1, True)
    """
    classes = None if classes is None else list(classes)
    if not gold:
        fit = _infer(answers, method, None, classes)
        if max_answers is not None:
            fit = replace(fit, stability=_stability(answers, fit, None, classes, max_answers))
        return fit
    if not anchor:
        return _infer_unanchored(
            answers, method, gold, classes, gold_calibration, max_answers, calibration_prior
        )
    fit = _infer(answers, method, gold, classes)
    if max_answers is not None:
        fit = replace(fit, stability=_stability(answers, fit, gold, classes, max_answers))
    if not gold_calibration:
        return fit
    answered = set(fit.items)
    scored = [item for item in gold if item in answered]
    if len(scored) < MIN_GOLD:
        return fit

    def held_out(train: Mapping[Hashable, Hashable]) -> tuple[list[Any], list[Any], Any]:
        part = _infer(answers, method, train, classes)
        return part.items, [part.classes[k] for k in part.label.tolist()], part.confidence

    confidence, right = cross_fitted_pairs(held_out, gold, scored)
    mapping = fit_platt(confidence, right, prior=calibration_prior)
    new_confidence, probas = recalibrate(fit.probas, fit.label, mapping)
    rows = np.fromiter((k for k, item in enumerate(fit.items) if item in gold), dtype=np.intp)
    new_confidence[rows] = fit.confidence[rows]  # gold items stay known
    probas[rows] = fit.probas[rows]
    return replace(
        fit,
        confidence=new_confidence,
        probas=probas,
        calibration=mapping,
        answer_confidence=fit.confidence,
    )


def _infer_unanchored(
    answers: Answers,
    method: str,
    gold: Mapping[Hashable, Hashable],
    classes: list[Hashable] | None,
    gold_calibration: bool,
    max_answers: int | None,
    calibration_prior: CalibrationPrior,
) -> ClassConsensus:
    """The fit without the gold; the gold's held-out pairs recalibrate it; gold items known."""
    all_classes = encode(answers, gold, classes).classes  # gold labels get columns too
    fit = _infer(answers, method, None, all_classes)
    if max_answers is not None:  # gold items stop anyway (their stop confidence is 1)
        fit = replace(fit, stability=_stability(answers, fit, None, all_classes, max_answers))
    column = {c: k for k, c in enumerate(fit.classes)}
    pairs = [
        (r, column[gold[item]])
        for r, item in enumerate(fit.items)
        if item in gold and gold[item] in column  # a missing label (None, NaN) is no gold
    ]
    rows = np.fromiter((r for r, _ in pairs), dtype=np.intp, count=len(pairs))
    known = np.fromiter((k for _, k in pairs), dtype=np.intp, count=len(pairs))
    mapping = IDENTITY
    confidence, probas = fit.confidence.copy(), fit.probas.copy()
    if gold_calibration and len(pairs) >= MIN_GOLD:
        mapping = fit_platt(fit.confidence[rows], fit.label[rows] == known, prior=calibration_prior)
        confidence, probas = recalibrate(fit.probas, fit.label, mapping)
    label = fit.label.copy()
    label[rows] = known  # gold items stay known
    probas[rows] = 0.0
    probas[rows, known] = 1.0
    confidence[rows] = 1.0
    stop = fit.confidence.copy()
    stop[rows] = 1.0
    return replace(
        fit,
        label=label,
        confidence=confidence,
        probas=probas,
        calibration=mapping,
        answer_confidence=stop,
    )


def _stability(
    answers: Answers,
    fit: ClassConsensus,
    gold: Mapping[Hashable, Hashable] | None,
    classes: list[Hashable] | None,
    max_answers: int,
) -> NDArray[np.float64]:
    """:func:`~quality.confidence.stability.label_stability` of the gold-free fit: each item's
    answers per class, the answers it may still get (``max_answers`` minus those it has) and the
    evidence of one answer from the crowd's average annotator (accuracy averaged over answers)."""
    data = encode(answers, gold, classes)  # the estimators' own encoding: rows line up
    counts = data.vote_counts()
    answered = np.bincount(data.workers, minlength=data.n_workers).astype(np.float64)
    skill = float(np.average(fit.skills, weights=answered)) if answered.sum() else 0.5
    evidence = per_answer_evidence(skill, data.n_classes, fit.temperature)
    remaining = np.maximum(max_answers - counts.sum(axis=1), 0).astype(np.int64)
    return label_stability(fit.probas, fit.label, counts, remaining, evidence=evidence)


def _infer(
    answers: Answers,
    method: str,
    gold: Mapping[Hashable, Hashable] | None,
    classes: list[Hashable] | None,
) -> ClassConsensus:
    """One fit of ``method`` with the gold-free calibration."""
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
        temperature=calibrated.temperature,
    )
