"""Expected calibration error: how far stated confidence is from observed accuracy.

Confidences are put in ``n_bins`` equal-width bins ``((m-1)/M, m/M]`` (a confidence of exactly 0
goes to the first bin); ECE is the mean over bins of ``|accuracy - mean confidence|`` weighted by
the share of items in the bin. Reference: C. Guo, G. Pleiss, Y. Sun, K. Q. Weinberger, "On
Calibration of Modern Neural Networks", ICML 2017, eq. (3), after M. P. Naeini, G. F. Cooper,
M. Hauskrecht, "Obtaining Well Calibrated Probabilities Using Bayesian Binning", AAAI 2015.

The binned ECE of a finite sample is biased upwards: even a perfectly calibrated confidence
shows a positive ECE, since each bin's observed accuracy scatters around its mean confidence
(binomially, about ``sqrt(p(1-p)/n)`` for ``n`` items in the bin). Two tools measure that floor:
:func:`perfect_calibration_ece` (the ECE of the same confidences with outcomes drawn from them,
i.e. the null distribution of a perfectly calibrated predictor) and
:func:`debiased_squared_calibration_error` (the bias-corrected estimate of the squared L2
calibration error of A. Kumar, P. Liang, T. Ma, "Verified Uncertainty Calibration", NeurIPS
2019, section 5, after J. Bröcker, Climate Dynamics 39:655-667, 2012 and C. A. T. Ferro,
T. E. Fricker, QJRMS 138:1954-1960, 2012).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

Rng = np.random.Generator | int | None


@dataclass(frozen=True)
class ReliabilityBins:
    """Per bin: upper edge, number of items, mean confidence and accuracy (NaN when empty)."""

    upper: NDArray[np.float64]
    count: NDArray[np.int64]
    confidence: NDArray[np.float64]
    accuracy: NDArray[np.float64]

    @property
    def ece(self) -> float:
        total = int(self.count.sum())
        if total == 0:
            return float("nan")
        used = self.count > 0
        gaps = np.abs(self.accuracy[used] - self.confidence[used])
        return float((self.count[used] * gaps).sum() / total)


def reliability_bins(
    confidence: ArrayLike, correct: ArrayLike, n_bins: int = 10
) -> ReliabilityBins:
    """The reliability diagram's table (one ``bincount`` per column, no loop over bins)."""
    conf = np.asarray(confidence, dtype=np.float64).reshape(-1)
    hit = np.asarray(correct, dtype=np.float64).reshape(-1)
    if conf.shape != hit.shape:
        raise ValueError("confidence and correct must have the same length")
    if n_bins < 1:
        raise ValueError("n_bins must be at least 1")
    if len(conf) and (np.isnan(conf).any() or conf.min() < 0 or conf.max() > 1):
        raise ValueError("confidences must lie in [0, 1]")
    index = np.clip(np.ceil(conf * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    count = np.bincount(index, minlength=n_bins)
    sum_conf = np.asarray(np.bincount(index, weights=conf, minlength=n_bins), dtype=np.float64)
    sum_hit = np.bincount(index, weights=hit, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.where(count > 0, sum_conf / np.maximum(count, 1), np.nan)
        accuracy = np.where(count > 0, sum_hit / np.maximum(count, 1), np.nan)
    upper = np.arange(1, n_bins + 1, dtype=np.float64) / n_bins
    return ReliabilityBins(upper, count.astype(np.int64), mean_conf, accuracy)


def expected_calibration_error(
    confidence: ArrayLike, correct: ArrayLike, n_bins: int = 10
) -> float:
    """ECE of ``confidence`` (probability the answer is right) against ``correct`` (0/1).

    Example (half the answers at 0.9, of which half right: gap 0.4; half at 0.6, all right:
    gap 0.4; ECE = 0.5 * 0.4 + 0.5 * 0.4):
        >>> round(expected_calibration_error([0.9, 0.9, 0.6, 0.6], [1, 0, 1, 1]), 3)
        0.4
    """
    return reliability_bins(confidence, correct, n_bins).ece


def _bin_index(conf: NDArray[np.float64], n_bins: int) -> NDArray[np.int64]:
    """Each confidence's bin, ``((m-1)/M, m/M]`` with 0 in the first (as
    :func:`reliability_bins`)."""
    return np.clip(np.ceil(conf * n_bins).astype(np.int64) - 1, 0, n_bins - 1)


def _checked(confidence: ArrayLike, n_bins: int) -> NDArray[np.float64]:
    conf = np.asarray(confidence, dtype=np.float64).reshape(-1)
    if n_bins < 1:
        raise ValueError("n_bins must be at least 1")
    if len(conf) and (np.isnan(conf).any() or conf.min() < 0 or conf.max() > 1):
        raise ValueError("confidences must lie in [0, 1]")
    return conf


def _row_sums(
    confidence: ArrayLike, outcomes: ArrayLike, n_bins: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Per bin: items, sum of confidences, and hits of each row of ``outcomes`` (rows × bins;
    one matrix product for all rows)."""
    conf = _checked(confidence, n_bins)
    hits = np.asarray(outcomes, dtype=np.float64)
    if hits.ndim != 2 or hits.shape[1] != len(conf):
        raise ValueError(f"outcomes must be rows × {len(conf)}, got {hits.shape}")
    index = _bin_index(conf, n_bins)
    one_hot = np.zeros((len(conf), n_bins))
    one_hot[np.arange(len(conf)), index] = 1.0
    count = np.bincount(index, minlength=n_bins).astype(np.float64)
    sum_conf = np.asarray(np.bincount(index, weights=conf, minlength=n_bins), dtype=np.float64)
    return count, sum_conf, hits @ one_hot


def expected_calibration_errors(
    confidence: ArrayLike, outcomes: ArrayLike, n_bins: int = 10
) -> NDArray[np.float64]:
    """The ECE of each row of ``outcomes`` (rows × items, 0/1) against the same ``confidence``
    (items), for many simulated outcomes at once.

    ``count · |accuracy - mean confidence|`` of a bin is ``|hits - sum of confidences|``, so a
    row's ECE is the sum of those over bins divided by the number of items.

    Example:
        >>> ece = expected_calibration_errors([0.9, 0.9, 0.6, 0.6], [[1, 0, 1, 1], [1, 1, 1, 1]])
        >>> ece.round(3).tolist()
        [0.4, 0.25]
    """
    count, sum_conf, sum_hit = _row_sums(confidence, outcomes, n_bins)
    total = count.sum()
    if not total:
        return np.full(sum_hit.shape[0], np.nan)
    return np.asarray(np.abs(sum_hit - sum_conf).sum(axis=1) / total, dtype=np.float64)


def perfect_calibration_ece(
    confidence: ArrayLike,
    n_bins: int = 10,
    *,
    simulations: int = 2000,
    rng: Rng = None,
    chunk: int = 250,
) -> NDArray[np.float64]:
    """The ECE a perfectly calibrated predictor would show with these confidences:
    ``simulations`` draws of outcomes ``correct_i ~ Bernoulli(confidence_i)``, each scored by
    the same binned ECE (the null distribution of the estimator; its mean is the floor below
    which an observed ECE cannot be read as miscalibration).

    Why: with a few hundred items the bins hold a few dozen each and the binned ECE of a
    perfectly calibrated confidence is itself several hundredths; a target such as ECE ≤ 0.05
    is then partly a draw of this noise, not a property of the confidence.
    """
    conf = _checked(confidence, n_bins)
    generator = np.random.default_rng(rng)
    out = []
    for start in range(0, simulations, chunk):
        rows = min(chunk, simulations - start)
        outcomes = generator.random((rows, len(conf))) < conf
        out.append(expected_calibration_errors(conf, outcomes, n_bins))
    return np.concatenate(out) if out else np.zeros(0)


def debiased_squared_calibration_error(
    confidence: ArrayLike, correct: ArrayLike, n_bins: int = 10
) -> float:
    """Bias-corrected estimate of the binned squared L2 calibration error
    ``sum_b p_b (accuracy_b - confidence_b)^2`` over the same equal-width bins as the ECE.

    Kumar, Liang & Ma (NeurIPS 2019, section 5, "debiased estimator"): the plug-in squared gap
    of a bin, ``(ȳ_b - s̄_b)^2``, exceeds the true squared gap by the variance of the bin's
    observed accuracy ``ȳ_b``; its unbiased estimate ``ȳ_b (1 - ȳ_b) / (n_b - 1)`` is
    subtracted per bin (bins of fewer than 2 items add 0, as in the authors' code), weighted by
    the bin's share ``p_b = n_b / n``. Not clipped: on a perfectly calibrated confidence it
    averages about 0 and is often negative (``sqrt(max(0, ·))`` gives the L2 error, which is
    at least the L1 ECE of the same bins' true gaps, by Jensen's inequality). When the
    confidences within a bin differ it over-corrects slightly (by the within-bin variance of
    the true probabilities over ``n_b - 1``, at most ``0.0025 / (n_b - 1)`` with 10 bins).

    Example (bins of 0.9 and 0.6, two items each; plug-in 0.5·0.16 + 0.5·0.16 = 0.16; minus
    0.5·0.25/1 for the first bin and 0 for the second):
        >>> round(debiased_squared_calibration_error([0.9, 0.9, 0.6, 0.6], [1, 0, 1, 1]), 3)
        0.035
    """
    hit = np.asarray(correct, dtype=np.float64).reshape(-1)
    if np.asarray(confidence).size != hit.size:
        raise ValueError("confidence and correct must have the same length")
    if not hit.size:
        return float("nan")
    return float(debiased_squared_calibration_errors(confidence, hit[None, :], n_bins)[0])


def debiased_squared_calibration_errors(
    confidence: ArrayLike, outcomes: ArrayLike, n_bins: int = 10
) -> NDArray[np.float64]:
    """:func:`debiased_squared_calibration_error` of each row of ``outcomes`` (rows × items)
    against the same ``confidence``, for many simulated outcomes at once."""
    count, sum_conf, sum_hit = _row_sums(confidence, outcomes, n_bins)
    total = count.sum()
    if not total:
        return np.full(sum_hit.shape[0], np.nan)
    size = np.maximum(count, 1.0)
    accuracy = sum_hit / size
    variance = accuracy * (1.0 - accuracy) / np.maximum(count - 1.0, 1.0)
    per_bin = np.where(count >= 2, (accuracy - sum_conf / size) ** 2 - variance, 0.0)
    return np.asarray((per_bin @ count) / total, dtype=np.float64)
