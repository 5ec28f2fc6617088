"""Confidence recalibrated on the project's gold.

Why: the gold-free temperature of :func:`~quality.confidence.calibrated_posterior` corrects for
annotators who err together only as far as held-out *answers* show it; on crowds where many
annotators share the same mistakes (hard items, a misleading guideline) the consensus is wrong
with high agreement and no answer-based check can see it. Gold shows it directly: the consensus
of a gold item computed *without* its gold label, against the known label, is a labelled
(confidence, right?) pair. By default the method is fitted without any gold
(:func:`~quality.confidence.infer_classes`, ``anchor=False``), so every gold item gives such a
pair from the very fit whose confidence is mapped. With the gold clamped into the fit
(``anchor=True``) the pairs come by cross-fitting (:func:`cross_fitted_pairs`): the gold items
are split into folds and each fold's pairs come from a fit with every other fold's gold clamped
(V. Chernozhukov et al., "Double/debiased machine learning", The Econometrics Journal
21(1):C1-C68, 2018). A logistic map of the log-odds, ``sigmoid(a · logit(c) + b)`` (J. Platt,
"Probabilistic outputs for support vector machines and comparisons to regularized likelihood
methods", Advances in Large Margin Classifiers, 1999), is fitted to the pairs by maximum a
posteriori with a Gaussian prior centred on the identity (``a = 1, b = 0``: the gold-free
calibration), so that a few gold items move it a little and many move it far; non-gold items
get the map. With fewer than ``MIN_GOLD`` answered gold items the gold-free calibration stays.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

MIN_GOLD = 10
"""Answered gold items needed before the gold recalibrates confidence."""
FOLDS = 5
PRIOR_PRECISION = 2.0
"""Precision of the Gaussian prior on (a - 1) and b: as much pull towards the identity as about
eight well-spread gold items (the log-likelihood's curvature is p(1-p)·logit² per item)."""
CLIP = 1e-6


@dataclass(frozen=True)
class PlattMap:
    """``sigmoid(slope · logit(c) + intercept)``; the identity is ``PlattMap(1, 0)``."""

    slope: float = 1.0
    intercept: float = 0.0
    n_gold: int = 0

    def __call__(self, confidence: ArrayLike) -> NDArray[np.float64]:
        c = np.clip(np.asarray(confidence, dtype=np.float64), CLIP, 1 - CLIP)
        x = np.log(c) - np.log1p(-c)
        return _sigmoid(self.slope * x + self.intercept)


IDENTITY = PlattMap()


def fit_platt(
    confidence: ArrayLike, correct: ArrayLike, *, precision: float = PRIOR_PRECISION
) -> PlattMap:
    """MAP logistic map of the log-odds of ``confidence`` to ``correct`` (0/1), prior on the
    identity with ``precision``; Newton's method on two parameters (convex, a few steps).

    Example:
        >>> m = fit_platt([0.99] * 40, [1] * 30 + [0] * 10)
        >>> 0.7 < float(m([0.99])[0]) < 0.8
        True
    """
    c = np.clip(np.asarray(confidence, dtype=np.float64), CLIP, 1 - CLIP)
    y = np.asarray(correct, dtype=np.float64)
    if c.shape != y.shape:
        raise ValueError("confidence and correct must have the same length")
    if not len(c):
        return IDENTITY
    x = np.log(c) - np.log1p(-c)
    design = np.column_stack([x, np.ones_like(x)])
    centre = np.array([1.0, 0.0])

    def loss(theta: NDArray[np.float64]) -> float:
        z = design @ theta
        nll = float((np.logaddexp(0.0, z) - y * z).sum())
        return nll + 0.5 * precision * float(((theta - centre) ** 2).sum())

    theta = centre.copy()
    current = loss(theta)
    for _ in range(100):  # Newton with step halving (a full step can overshoot)
        p = _sigmoid(design @ theta)
        grad = design.T @ (p - y) + precision * (theta - centre)
        hess = (design * (p * (1 - p))[:, None]).T @ design + precision * np.eye(2)
        step = np.linalg.solve(hess, grad)
        size = 1.0
        while size > 1e-6:
            trial = theta - size * step
            value = loss(trial)
            if value <= current:
                break
            size /= 2
        else:
            break
        theta, done = trial, current - value < 1e-10
        current = value
        if done:
            break
    return PlattMap(float(theta[0]), float(theta[1]), len(c))


def cross_fitted_pairs(
    fit: Callable[[Mapping[Hashable, Hashable]], tuple[Sequence[Any], Sequence[Any], ArrayLike]],
    gold: Mapping[Hashable, Hashable],
    scored: Sequence[Hashable],
    *,
    folds: int = FOLDS,
    seed: int = 0,
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """(confidence, right?) of every ``scored`` gold item from a fit that did not see its gold.

    ``fit(gold)`` returns (items, label per item, confidence per item) aligned with ``items``;
    labels are compared with ``gold`` as given.
    """
    n_folds = max(2, min(folds, len(scored)))
    order = np.random.default_rng(seed).permutation(len(scored))
    confidence: list[float] = []
    right: list[bool] = []
    for f in range(n_folds):
        part = [scored[i] for i in order[f::n_folds].tolist()]
        held = set(part)
        items, labels, raw = fit({k: v for k, v in gold.items() if k not in held})
        conf = np.asarray(raw, dtype=np.float64)
        row = {item: r for r, item in enumerate(items)}
        for item in part:
            r = row[item]
            confidence.append(float(conf[r]))
            right.append(labels[r] == gold[item])
    return np.asarray(confidence, dtype=np.float64), np.asarray(right, dtype=bool)


def recalibrate(
    probas: NDArray[np.float64], label: NDArray[np.intp], mapping: PlattMap
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The label's confidence through ``mapping``; the other classes keep their proportions.

    Returns (confidence per item, probas with rows summing to 1).
    """
    rows = np.arange(len(label))
    old = probas[rows, label]
    new = mapping(old)
    rest = 1.0 - old
    k = probas.shape[1] if probas.ndim == 2 else 1
    thin = rest <= 1e-12
    scale = np.divide(1.0 - new, rest, out=np.zeros_like(rest), where=~thin)
    out = probas * scale[:, None]
    if k > 1:  # no mass elsewhere: the rest is spread evenly over the other classes
        out[thin] = ((1.0 - new[thin]) / (k - 1))[:, None]
    out[rows, label] = new
    return new, out


def _sigmoid(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * x)), dtype=np.float64)
