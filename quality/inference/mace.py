"""MACE: annotators either know the answer or spam according to their own habit."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import digamma

from .._data import Encoded
from ._base import EPS, CategoricalAggregator
from ._em import AnswerMatrix
from ._sparse import row_sum


def _normalize(
    counts: NDArray[np.float64], prior: NDArray[np.float64] | float, variational: bool
) -> NDArray[np.float64]:
    """Rows of ``counts + prior`` normalised; with ``variational`` the mean-field VB update."""
    x = counts + prior
    if variational:
        return np.exp(digamma(x) - digamma(x.sum(axis=-1, keepdims=True)))
    return x / x.sum(axis=-1, keepdims=True)


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
    many answers per item cannot underflow. The restarts run together as a batch (extra columns
    of the same sparse products; a restart that has converged is frozen and leaves the batch),
    with every number computed in the same order as one restart alone, so the result is the
    same as running them one after another.

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
        """errors[..., w, l, k] = (1 - c_w) * habit_w[l] + c_w * [l == k] (leading batch axes)."""
        k = strategies.shape[-1]
        errors = ((1 - competence)[..., None] * strategies)[..., None] * np.ones(k)
        idx = np.arange(k)
        errors[..., idx, idx] += competence[..., None]
        return errors

    @staticmethod
    def _e_step(
        answers: AnswerMatrix, data: Encoded, errors: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Posteriors (tasks × restarts × classes) and log marginal likelihood per restart.

        ``errors`` is restarts × workers × answered × true. All restarts go through one sparse
        product (the restarts are extra columns); every number is computed in the same order
        as the one-restart helpers ``posterior`` and ``log_marginal_likelihood`` would, so the
        results do not depend on how many restarts share the batch.
        """
        n_r, n_w, k, _ = errors.shape
        log_errors = np.log(errors, out=np.zeros_like(errors), where=errors > 0)
        table = np.ascontiguousarray(log_errors.transpose(1, 2, 0, 3)).reshape(n_w * k, n_r * k)
        scores = np.asarray(answers.matrix @ table).reshape(-1, n_r, k)
        scores += np.log(np.maximum(np.full(k, 1.0 / k), EPS))  # the uniform class prior
        top = scores[..., 0].copy()
        for j in range(1, k):
            np.maximum(top, scores[..., j], out=top)
        scores -= top[..., None]
        np.exp(scores, out=scores)
        if k < 8:  # numpy sums fewer than 8 numbers left to right: same result, no row loop
            total = scores[..., 0].copy()
            for j in range(1, k):
                total += scores[..., j]
        else:
            total = scores.sum(axis=-1)
        log_ml = np.ascontiguousarray((top + np.log(total)).T).sum(axis=1)
        flat = scores.reshape(-1, k)
        flat /= row_sum(flat)[:, None]
        if len(data.gold_tasks):
            scores[data.gold_tasks] = 0.0
            scores[data.gold_tasks[:, None], np.arange(n_r), data.gold_labels[:, None]] = 1.0
        return scores, log_ml

    def _run(
        self,
        answers: AnswerMatrix,
        data: Encoded,
        competence: NDArray[np.float64],
        strategies: NDArray[np.float64],
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """EM from each start (restarts × workers [× classes]) at once; a converged restart is
        frozen and leaves the batch. Returns log likelihoods, posteriors, competence, habits."""
        k = answers.n_classes
        n_r = competence.shape[0]
        variational = self.method == "vb"
        smoothing = 0.01 / k
        theta_prior = np.array([self.alpha, self.beta]) if variational else smoothing
        strategy_prior = self.strategy_prior if variational else smoothing
        competence, strategies = competence.copy(), strategies.copy()
        last = np.full(n_r, -np.inf)
        active = np.arange(n_r)
        idx = np.arange(k)
        for _ in range(self.n_iter):
            comp, strat = competence[active], strategies[active]
            errors = self._errors(comp, strat)
            probas, ll = self._e_step(answers, data, errors)
            done = np.abs(ll - last[active]) < self.tol * np.maximum(1.0, np.abs(ll))
            last[active] = ll
            if done.any():
                keep = ~done
                active, comp, strat = active[keep], comp[keep], strat[keep]
                errors, probas = errors[keep], probas[:, keep]
                if not len(active):
                    break
            n_a = len(active)
            # expected "knew it" per (worker, label): P(z = l | item) * c / P(l | z = l)
            counts = np.asarray(answers.matrix.T @ probas.reshape(len(probas), n_a * k))
            diag = counts.reshape(-1, k, n_a, k)[:, idx, :, idx].transpose(2, 1, 0)
            knowing = comp[:, :, None] / errors[:, :, idx, idx] * diag
            spamming = np.maximum(answers.counts_wl - knowing, 0.0)
            theta = _normalize(
                np.stack([spamming.sum(axis=2), knowing.sum(axis=2)], axis=-1),
                theta_prior,
                variational,
            )
            competence[active] = theta[..., 1]
            strategies[active] = _normalize(spamming, strategy_prior, variational)
        probas, ll = self._e_step(answers, data, self._errors(competence, strategies))
        return ll, probas, competence, strategies

    def _fit_encoded(self, data: Encoded) -> NDArray[np.float64]:
        answers = AnswerMatrix(data)
        rng = np.random.default_rng(self.random_state)
        n_w, k = answers.n_workers, answers.n_classes
        n_r = max(1, self.n_restarts)
        competence = np.empty((n_r, n_w))
        strategies = np.empty((n_r, n_w, k))
        for r in range(n_r):  # the draws of one restart after another, as before batching
            spam = rng.uniform(1, 1 + self.default_noise, size=(n_w, 2))
            habit = rng.uniform(1, 1 + self.default_noise, size=(n_w, k))
            competence[r] = spam[:, 1] / spam.sum(axis=1)
            strategies[r] = habit / habit.sum(axis=1, keepdims=True)
        ll, probas, competence, strategies = self._run(answers, data, competence, strategies)
        best = int(np.argmax(ll))  # first of equals, like keeping a restart only if better
        self.log_likelihood_ = float(ll[best])
        self.competence_, self.strategies_ = competence[best], strategies[best]
        self.skills_ = self.competence_
        return np.ascontiguousarray(probas[:, best])

    def _fit_empty(self, data: Encoded) -> None:
        self.competence_ = np.zeros(0)
        self.strategies_ = np.zeros((0, data.n_classes))
        self.skills_ = np.zeros(0)
        self.log_likelihood_ = 0.0
