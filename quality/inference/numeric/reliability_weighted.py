"""Reliability-weighted mean: annotators with smaller errors count more."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .._numeric_base import NumericAggregator


class ReliabilityWeightedMean(NumericAggregator):
    r"""Weighted mean with weights learnt from each annotator's error variance.

    Model: annotator ``w`` reports the true value plus Gaussian noise of variance
    ``sigma_w^2``. EM-like alternation: the estimate is the precision-weighted mean of the
    answers; each variance is the mean squared residual of the annotator's answers, smoothed by
    ``prior_strength`` pseudo-answers at the median annotator's variance (so an annotator with
    two answers that happen to agree does not get an infinite weight). Gold items are fixed to
    their value and their residuals count for the variances. Why: a few sloppy annotators
    otherwise pull the plain mean; this is the numeric counterpart of Dawid-Skene.

    Reference: V. C. Raykar, S. Yu, L. H. Zhao, G. H. Valadez, C. Florin, L. Bogoni and L. Moy,
    "Learning From Crowds", Journal of Machine Learning Research 11:1297-1322, 2010,
    https://jmlr.org/papers/v11/raykar10a.html (section 3, regression; "LFC_N" in Zheng et al.).

    Fitted attributes: ``variances_``, ``weights_`` (annotators), ``n_iter_``.

    Example:
        >>> from quality.inference import ReliabilityWeightedMean
        >>> answers = [(t, w, t + (0.1 if w < 3 else 10.0) * (-1) ** t) for t in range(10)
        ...            for w in range(4)]
        >>> est = ReliabilityWeightedMean().fit(answers)
        >>> round(est.labels_[1], 1), bool(est.weights_[3] < est.weights_[0])
        (0.9, True)
    """

    variances_: NDArray[np.float64]
    weights_: NDArray[np.float64]
    n_iter_: int

    def __init__(self, n_iter: int = 50, tol: float = 1e-6, prior_strength: float = 2.0) -> None:
        self.n_iter = n_iter
        self.tol = tol
        self.prior_strength = prior_strength

    def _estimate(
        self,
        tasks: NDArray[np.intp],
        workers: NDArray[np.intp],
        values: NDArray[np.float64],
        n_tasks: int,
        n_workers: int,
        gold_t: NDArray[np.intp],
        gold_v: NDArray[np.float64],
    ) -> NDArray[np.float64]:
        n_w = np.bincount(workers, minlength=n_workers).astype(np.float64)
        w = np.ones(n_workers)
        estimate = np.zeros(n_tasks)
        self.n_iter_ = 0
        for _ in range(self.n_iter):
            aw = w[workers]
            totals = np.bincount(tasks, weights=aw * values, minlength=n_tasks)
            new = np.asarray(totals / np.bincount(tasks, weights=aw, minlength=n_tasks), float)
            new[gold_t] = gold_v
            self.n_iter_ += 1
            change = float(np.max(np.abs(new - estimate))) if n_tasks else 0.0
            estimate = new
            sq = (values - estimate[tasks]) ** 2
            ss = np.bincount(workers, weights=sq, minlength=n_workers)
            raw = ss[n_w > 0] / n_w[n_w > 0]
            typical = max(float(np.median(raw)), 1e-12)
            variances = (ss + self.prior_strength * typical) / (n_w + self.prior_strength)
            w = 1.0 / np.maximum(variances, 1e-12)
            if change < self.tol:
                break
        self.variances_ = variances
        self.weights_ = w / w.max()
        return estimate

    def _fit_empty(self) -> None:
        self.variances_ = np.zeros(0)
        self.weights_ = np.zeros(0)
        self.n_iter_ = 0
