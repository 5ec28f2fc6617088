"""One-coin Dawid-Skene: one accuracy per annotator instead of a confusion matrix."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._base import EPS
from ._em import AnswerMatrix
from .dawid_skene import DawidSkene


class OneCoinDawidSkene(DawidSkene):
    r"""Dawid-Skene with a single skill ``s_w`` per annotator.

    Annotator ``w`` answers the true class with probability ``s_w`` and each other class with
    ``(1 - s_w) / (K - 1)``. Why: with few answers per annotator a full ``K × K`` confusion
    matrix is poorly determined; one parameter per annotator is estimated far more stably and
    EM converges better (Zhang et al. prove near-optimal rates for it). The M-step sets ``s_w``
    to the mean posterior probability of the labels ``w`` gave, as crowd-kit 1.4.2 does (same
    initialisation, floors and stopping rule). Gold anchoring as in :class:`DawidSkene`.

    Fitted attributes: ``skills_`` (annotators), ``priors_``, ``confusions_`` (the implied
    matrices), ``n_iter_``, ``loss_history_``.

    Reference: Y. Zhang, X. Chen, D. Zhou and M. I. Jordan, "Spectral Methods Meet EM: A
    Provably Optimal Algorithm for Crowdsourcing", Journal of Machine Learning Research
    17(102):1-44, 2016, https://jmlr.org/papers/v17/14-511.html (arXiv:1406.3824).

    Example:
        >>> from quality.inference import OneCoinDawidSkene
        >>> answers = [(t, w, t % 3 if w != 3 else 0) for t in range(30) for w in range(4)]
        >>> est = OneCoinDawidSkene().fit(answers)
        >>> [round(float(s), 2) for s in est.skills_]
        [1.0, 1.0, 1.0, 0.33]
    """

    def __init__(self, n_iter: int = 100, tol: float = 1e-5, gold_init: bool = True) -> None:
        self.n_iter = n_iter
        self.tol = tol
        self.alpha = 0.0
        self.gold_init = gold_init

    def _from_counts(
        self, answers: AnswerMatrix, counts: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """counts[w, l, k] -> skills (share of the expected counts on the diagonal) -> errors."""
        n = counts.sum(axis=(1, 2))
        right = np.einsum("wkk->w", counts)
        skills = np.divide(right, n, out=np.zeros_like(right), where=n > 0)
        self._skills = skills
        k = answers.n_classes
        off = (1.0 - skills) / (k - 1) if k > 1 else np.zeros_like(skills)
        errors = np.repeat(off[:, None, None], k, axis=1).repeat(k, axis=2)
        idx = np.arange(k)
        errors[:, idx, idx] = skills[:, None]
        return np.clip(errors, EPS, 1 - EPS)

    def _set_parameters(self, priors: NDArray[np.float64], errors: NDArray[np.float64]) -> None:
        super()._set_parameters(priors, errors)
        self.skills_ = self._skills
