"""Expected calibration error: how far stated confidence is from observed accuracy.

Confidences are put in ``n_bins`` equal-width bins ``((m-1)/M, m/M]`` (a confidence of exactly 0
goes to the first bin); ECE is the mean over bins of ``|accuracy - mean confidence|`` weighted by
the share of items in the bin. Reference: C. Guo, G. Pleiss, Y. Sun, K. Q. Weinberger, "On
Calibration of Modern Neural Networks", ICML 2017, eq. (3), after M. P. Naeini, G. F. Cooper,
M. Hauskrecht, "Obtaining Well Calibrated Probabilities Using Bayesian Binning", AAAI 2015.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray


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
    sum_conf = np.bincount(index, weights=conf, minlength=n_bins)
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
