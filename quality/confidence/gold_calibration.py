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
methods", Advances in Large Margin Classifiers, 1999), with a ceiling ``1 - slip`` (even a
unanimous crowd is wrong on some items, and expert truth has its own errors), is fitted to the
pairs by maximum a posteriori. The prior is centred on what the held-out gold of 19 public crowds
taught (:data:`CROWD_PRIOR`: their gold-free confidence is about twice too sure in log-odds), so
that a project's few gold items adjust a map many items drew, and many move it as far as they
show; non-gold items get the map. Without gold the gold-free calibration stays: the crowds differ
too much for the pooled map alone (measured in ``results/replay.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize

MIN_GOLD = 5
"""Answered gold items needed before the gold recalibrates confidence. Five suffice because the
map starts from :data:`CROWD_PRIOR` and five items barely move it (a test checks that); with 10,
a set with 5 gold items (zheng_d_duck_bluebirds at 5% gold) kept the gold-free calibration and
ECE 0.063 instead of 0.039 (``tests/benchmarks/results/replay.md``)."""
FOLDS = 5
CLIP = 1e-6


@dataclass(frozen=True)
class CalibrationPrior:
    """Where a project's map starts and how hard it is held there.

    A Gaussian prior of ``precision`` on (slope, intercept) around (``slope``, ``intercept``);
    with ``slip`` set, the map has a ceiling ``1 - slip'`` whose slip has a Beta prior of mean
    ``slip`` worth ``slip_strength`` gold items (written on the slip's log-odds, where it is
    ``slip'^(k·slip) · (1 - slip')^(k·(1 - slip))``); ``slip=None``: no ceiling (plain Platt).
    """

    slope: float = 1.0
    intercept: float = 0.0
    precision: float = 2.0
    slip: float | None = None
    slip_strength: float = 0.0


IDENTITY_PRIOR = CalibrationPrior()
"""Platt's map held at the identity (the gold-free calibration): the prior before 2026-12-07."""
CROWD_PRIOR = CalibrationPrior(
    slope=0.5087, intercept=0.3247, precision=2.0, slip=0.0165, slip_strength=30.0
)
"""The map the held-out gold of 19 public crowds taught, pooled: the maximum-likelihood ceiling
map of the (gold-free confidence, right?) pairs of 5 random draws of 5% gold per set, each draw's
confidence that of the method its gold chooses (``tests/benchmarks/calibration_prior.py``
prints these figures from ``datasets/crowd_truth``). Real crowds' gold-free confidence is about
twice too sure in log-odds (slope 0.51) and even their surest consensus is wrong on ~1.6% of the
items (the ceiling: a slip; expert truth has its own errors). Measured leave-one-set-out in
``results/replay.md`` (each set's map starts from the other 18 sets' prior). The figures are a
snapshot of the methods and their gold-free calibration: re-run the script when either changes."""


@dataclass(frozen=True)
class PlattMap:
    """``ceiling · sigmoid(slope · logit(c) + intercept)``; the identity is ``PlattMap(1, 0)``."""

    slope: float = 1.0
    intercept: float = 0.0
    n_gold: int = 0
    ceiling: float = 1.0

    def __call__(self, confidence: ArrayLike) -> NDArray[np.float64]:
        c = np.clip(np.asarray(confidence, dtype=np.float64), CLIP, 1 - CLIP)
        x = np.log(c) - np.log1p(-c)
        return self.ceiling * _sigmoid(self.slope * x + self.intercept)


IDENTITY = PlattMap()


def fit_platt(
    confidence: ArrayLike, correct: ArrayLike, *, prior: CalibrationPrior = CROWD_PRIOR
) -> PlattMap:
    """MAP map of the log-odds of ``confidence`` to ``correct`` (0/1) under ``prior``.

    Platt's logistic map (J. Platt, 1999, see the module) with an upper asymptote, as the
    four-parameter item-response model adds one for slips (M. A. Barton and F. M. Lord, "An
    upper asymptote for the three-parameter logistic item-response model", ETS Research Report
    81-20, 1981); the prior's centre is an empirical-Bayes estimate from other crowds (B. Efron
    and C. Morris, "Stein's estimation rule and its competitors — an empirical Bayes approach",
    JASA 68(341):117-130, 1973), so a project's few gold items adjust what many taught. Fitted
    by L-BFGS-B on the exact gradient (smooth, three parameters).

    Example:
        >>> m = fit_platt([0.99] * 40, [1] * 30 + [0] * 10)
        >>> 0.7 < float(m([0.99])[0]) < 0.85
        True
    """
    c = np.clip(np.asarray(confidence, dtype=np.float64), CLIP, 1 - CLIP)
    y = np.asarray(correct, dtype=np.float64)
    if c.shape != y.shape:
        raise ValueError("confidence and correct must have the same length")
    if not len(c):
        return IDENTITY
    x = np.log(c) - np.log1p(-c)
    centre = np.array([prior.slope, prior.intercept])
    if prior.slip is None:
        theta = _minimize(_platt_loss, centre, x, y, prior)
        return PlattMap(float(theta[0]), float(theta[1]), len(c))
    start = np.append(centre, np.log(prior.slip) - np.log1p(-prior.slip))
    theta = _minimize(_ceiling_loss, start, x, y, prior)
    return PlattMap(float(theta[0]), float(theta[1]), len(c), float(_sigmoid(-theta[2])))


def _minimize(loss: Any, start: NDArray[np.float64], *args: Any) -> NDArray[np.float64]:
    """The slope is kept ≥ 0: a calibration map keeps the order of the confidences it maps."""
    bounds = [(0.0, None)] + [(None, None)] * (len(start) - 1)
    result = minimize(loss, start, args=args, jac=True, method="L-BFGS-B", bounds=bounds)
    return np.asarray(result.x, dtype=np.float64)


def _platt_loss(
    theta: NDArray[np.float64], x: NDArray[np.float64], y: NDArray[np.float64], prior: Any
) -> tuple[float, NDArray[np.float64]]:
    """Negative log posterior of ``sigmoid(a·x + b)`` and its gradient."""
    a, b = theta
    z = a * x + b
    nll = float((np.logaddexp(0.0, z) - y * z).sum())
    r = _sigmoid(z) - y
    d = theta - np.array([prior.slope, prior.intercept])
    value = nll + 0.5 * prior.precision * float(d @ d)
    grad = np.array([r @ x, r.sum()]) + prior.precision * d
    return value, grad


def _ceiling_loss(
    theta: NDArray[np.float64], x: NDArray[np.float64], y: NDArray[np.float64], prior: Any
) -> tuple[float, NDArray[np.float64]]:
    """Negative log posterior of ``(1 - sigmoid(u)) · sigmoid(a·x + b)`` and its gradient."""
    a, b, u = theta
    z = a * x + b
    log_sz, log_s = -np.logaddexp(0.0, -z), -np.logaddexp(0.0, -u)
    log_not_s = -np.logaddexp(0.0, u)
    log_p = log_sz + log_not_s
    log_q = np.logaddexp(-np.logaddexp(0.0, z), log_s + log_sz)  # 1 - p = sigmoid(-z) + s·sig(z)
    nll = -float((y * log_p + (1 - y) * log_q).sum())
    r = y - (1 - y) * np.exp(log_p - log_q)  # d log-likelihood / d log p
    d_z = r * _sigmoid(-z)  # d log p / d z = 1 - sigmoid(z)
    s = float(np.exp(log_s))
    k = prior.slip_strength
    alpha, beta = k * prior.slip, k * (1 - prior.slip)
    da, db = a - prior.slope, b - prior.intercept
    value = nll + 0.5 * prior.precision * (da * da + db * db) - (alpha * log_s + beta * log_not_s)
    grad = np.array(
        [
            -float(d_z @ x) + prior.precision * da,
            -float(d_z.sum()) + prior.precision * db,
            float(r.sum()) * s - (alpha * (1 - s) - beta * s),
        ]
    )
    return float(value), grad


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
