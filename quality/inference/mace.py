"""MACE: annotators either know the answer or spam according to their own habit."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import digamma

from .._data import Encoded
from ._base import CategoricalAggregator
from ._em import AnswerMatrix, log_marginal_likelihood, posterior


def _normalize(
    counts: NDArray[np.float64], prior: NDArray[np.float64] | float, variational: bool
) -> NDArray[np.float64]:
    """Rows of ``counts + prior`` normalised; with ``variational`` the mean-field VB update."""
    x = counts + prior
    if variational:
        return np.exp(digamma(x) - digamma(x.sum(axis=1, keepdims=True)))
    return x / x.sum(axis=1, keepdims=True)


_Fit = tuple[float, NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]


class MACE(CategoricalAggregator):
    r"""Multi-Annotator Competence Estimation.

    Model: on each item annotator ``w`` is competent with probability ``competence_[w]`` and
    then gives the true label; otherwise they "spam" and draw a label from their own habit
    ``strategies_[w]`` (a distribution over classes). Why: it separates reliable annotators from
    ones who click the same key or at random, with only ``K + 1`` parameters each, and is robust
    on sets where Dawid-Skene over-fits. Trained by EM with a uniform class prior; with
    ``method="vb"`` (default, as in the paper and crowd-kit) the M-step is the variational Bayes
    update with Beta(``alpha``, ``beta``) priors on competence and symmetric Dirichlet(10) priors
    on the habits. ``n_restarts`` random starts are run and the one with the best marginal
    likelihood kept. Everything is computed in log space through one sparse answer matrix, so
    many answers per item cannot underflow.

    Gold anchoring: gold items are clamped to their label after every E-step.

    Fitted attributes: ``competence_`` (annotators), ``strategies_`` (annotators × classes),
    ``skills_`` (same as ``competence_``), ``log_likelihood_``.

    Reference: D. Hovy, T. Berg-Kirkpatrick, A. Vaswani and E. Hovy, "Learning Whom to Trust
    with MACE", Proceedings of NAACL-HLT 2013, pages 1120-1130, https://aclanthology.org/N13-1132.

    Example:
        >>> from quality.inference import MACE
        >>> answers = [(t, w, t % 2 if w < 3 else 1) for t in range(40) for w in range(4)]
        >>> mace = MACE(random_state=0).fit(answers)
        >>> mace.labels_[:4], round(float(mace.competence_[3]), 1)
        ([0, 1, 0, 1], 0.0)
    """

    competence_: NDArray[np.float64]
    strategies_: NDArray[np.float64]
    skills_: NDArray[np.float64]
    log_likelihood_: float

    def __init__(
        self,
        n_restarts: int = 10,
        n_iter: int = 50,
        method: str = "vb",
        alpha: float = 0.5,
        beta: float = 0.5,
        strategy_prior: float = 10.0,
        default_noise: float = 0.5,
        tol: float = 1e-7,
        random_state: int | None = 0,
    ) -> None:
        self.n_restarts = n_restarts
        self.n_iter = n_iter
        self.method = method
        self.alpha = alpha
        self.beta = beta
        self.strategy_prior = strategy_prior
        self.default_noise = default_noise
        self.tol = tol
        self.random_state = random_state

    @staticmethod
    def _errors(
        competence: NDArray[np.float64], strategies: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """errors[w, l, k] = (1 - c_w) * habit_w[l] + c_w * [l == k]."""
        k = strategies.shape[1]
        errors = ((1 - competence)[:, None] * strategies)[:, :, None] * np.ones(k)
        idx = np.arange(k)
        errors[:, idx, idx] += competence[:, None]
        return errors

    def _run(
        self,
        answers: AnswerMatrix,
        data: Encoded,
        competence: NDArray[np.float64],
        strategies: NDArray[np.float64],
    ) -> _Fit:
        k = answers.n_classes
        priors = np.full(k, 1.0 / k)
        variational = self.method == "vb"
        smoothing = 0.01 / k
        theta_prior = np.array([self.alpha, self.beta]) if variational else smoothing
        strategy_prior = self.strategy_prior if variational else smoothing
        last = -np.inf
        for _ in range(self.n_iter):
            errors = self._errors(competence, strategies)
            log_lik = answers.log_likelihood_sum(errors)
            probas = posterior(log_lik, priors, data)
            ll = log_marginal_likelihood(log_lik, priors)
            if abs(ll - last) < self.tol * max(1.0, abs(ll)):
                break
            last = ll
            # expected "knew it" per (worker, label): P(z = l | item) * c / P(l | z = l)
            diag = np.einsum("wkk->wk", answers.expected_counts(probas))
            knowing = competence[:, None] / np.einsum("wkk->wk", errors) * diag
            spamming = np.maximum(answers.counts_wl - knowing, 0.0)
            theta = _normalize(
                np.column_stack([spamming.sum(axis=1), knowing.sum(axis=1)]),
                theta_prior,
                variational,
            )
            competence = theta[:, 1]
            strategies = _normalize(spamming, strategy_prior, variational)
        errors = self._errors(competence, strategies)
        log_lik = answers.log_likelihood_sum(errors)
        probas = posterior(log_lik, priors, data)
        return log_marginal_likelihood(log_lik, priors), probas, competence, strategies

    def _fit_encoded(self, data: Encoded) -> NDArray[np.float64]:
        answers = AnswerMatrix(data)
        rng = np.random.default_rng(self.random_state)
        n_w, k = answers.n_workers, answers.n_classes
        best: _Fit | None = None
        for _ in range(max(1, self.n_restarts)):
            spam = rng.uniform(1, 1 + self.default_noise, size=(n_w, 2))
            habit = rng.uniform(1, 1 + self.default_noise, size=(n_w, k))
            competence = spam[:, 1] / spam.sum(axis=1)
            strategies = habit / habit.sum(axis=1, keepdims=True)
            result = self._run(answers, data, competence, strategies)
            if best is None or result[0] > best[0]:
                best = result
        assert best is not None
        self.log_likelihood_, probas, self.competence_, self.strategies_ = best
        self.skills_ = self.competence_
        return probas

    def _fit_empty(self, data: Encoded) -> None:
        self.competence_ = np.zeros(0)
        self.strategies_ = np.zeros((0, data.n_classes))
        self.skills_ = np.zeros(0)
        self.log_likelihood_ = 0.0
