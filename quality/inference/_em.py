"""The EM loop shared by the confusion-matrix family (Dawid-Skene, one-coin, MACE).

All three describe an annotator by a table ``P(answered label | true class)``; only the M-step
that re-estimates the table differs. With answers in a sparse matrix ``A`` (tasks × worker·label)
the E-step is ``A @ log P`` and the expected counts are ``A.T @ posterior``: two sparse
products per iteration instead of per-row work.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .._data import Encoded
from ._base import EPS
from ._sparse import log_softmax_rows, task_by_worker_label


class AnswerMatrix:
    """The answers of one fit, with the sparse products the EM estimators need."""

    def __init__(self, data: Encoded) -> None:
        self.data = data
        self.n_workers = data.n_workers
        self.n_classes = data.n_classes
        flat = data.workers * data.n_classes + data.labels
        self.matrix = task_by_worker_label(data, flat)
        counts = np.bincount(flat, minlength=self.n_workers * self.n_classes)
        self.counts_wl = counts.reshape(self.n_workers, self.n_classes).astype(np.float64)
        self.observed = self.counts_wl > 0
        self.per_task = np.diff(self.matrix.indptr).astype(np.float64)

    def vote_counts(self) -> NDArray[np.float64]:
        """tasks × classes answer counts (``Encoded.vote_counts``) as one sparse product."""
        k = self.n_classes
        return np.asarray(self.matrix @ np.tile(np.eye(k), (self.n_workers, 1)))

    def log_likelihood_sum(self, errors: NDArray[np.float64]) -> NDArray[np.float64]:
        """tasks × classes: sum over each task's answers of log errors[w, l, k]."""
        n_w, n_k, _ = errors.shape
        log_errors = np.log(errors, out=np.zeros_like(errors), where=errors > 0)
        return np.asarray(self.matrix @ log_errors.reshape(n_w * n_k, n_k))

    def expected_counts(self, probas: NDArray[np.float64]) -> NDArray[np.float64]:
        """workers × answered label × true class: sum of posteriors over the matching answers."""
        counts = np.asarray(self.matrix.T @ probas)
        return counts.reshape(self.n_workers, self.n_classes, self.n_classes)


def posterior(
    log_lik: NDArray[np.float64], priors: NDArray[np.float64], data: Encoded
) -> NDArray[np.float64]:
    """E-step: normalised posterior from summed log-likelihoods and priors, gold clamped."""
    return data.clamp_gold(log_softmax_rows(log_lik + np.log(np.maximum(priors, EPS))))


def crowdkit_elbo(
    log_lik: NDArray[np.float64],
    probas: NDArray[np.float64],
    priors: NDArray[np.float64],
    per_task: NDArray[np.float64],
) -> float:
    """crowd-kit's evidence lower bound, its convergence test (it counts the prior per answer)."""
    # einsum rather than vdot: no BLAS call (whose threads stall on a busy machine)
    joint = float(np.einsum("ij,ij->", probas, log_lik))
    joint += float(per_task @ probas @ np.log(np.maximum(priors, EPS)))
    clipped = np.maximum(probas, EPS)
    return joint - float(np.einsum("ij,ij->", np.log(clipped), clipped))


def log_marginal_likelihood(log_lik: NDArray[np.float64], priors: NDArray[np.float64]) -> float:
    """log P(answers) = sum over tasks of logsumexp over classes."""
    scores = log_lik + np.log(np.maximum(priors, EPS))
    top = scores.max(axis=1)
    return float((top + np.log(np.exp(scores - top[:, None]).sum(axis=1))).sum())


__all__ = ["AnswerMatrix", "crowdkit_elbo", "log_marginal_likelihood", "posterior", "sp"]
