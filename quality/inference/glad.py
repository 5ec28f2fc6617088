"""GLAD: annotator ability and item difficulty together."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize

from .._data import Encoded
from ._base import CategoricalAggregator
from ._sparse import log_softmax_rows

_LOG_NORM = 0.5 * np.log(2 * np.pi)


class GLAD(CategoricalAggregator):
    r"""Generative model of Labels, Abilities and Difficulties.

    Model: annotator ``w`` answers item ``t`` correctly with probability
    ``sigmoid(alpha_w * exp(beta_t))`` and otherwise picks one of the ``K - 1`` wrong classes
    uniformly. ``alpha`` is the annotator's ability (negative: adversarial), ``exp(beta)`` the
    item's inverse difficulty. Why: a hard item is one where even good annotators disagree, and
    such items should not lower their reliability. EM: the E-step is the class posterior with a
    fixed uniform prior; the M-step maximises the expected log-likelihood plus standard-normal
    priors around ``alpha = 1`` and ``beta = 1`` by conjugate gradient (``m_step_max_iter``
    steps, ``m_step_tol``), with the gradient computed by ``np.bincount`` over answers. Same
    defaults and stopping rule as crowd-kit 1.4.2.

    Gold anchoring: gold items are clamped to their label after every E-step.

    Fitted attributes: ``alphas_`` (annotators), ``betas_`` (items), ``skills_`` (``alphas_``),
    ``priors_``, ``n_iter_``, ``loss_history_``.

    Reference: J. Whitehill, T. Wu, J. Bergsma, J. Movellan and P. Ruvolo, "Whose Vote Should
    Count More: Optimal Integration of Labels from Labelers of Unknown Expertise", Advances in
    Neural Information Processing Systems 22 (NIPS 2009), pages 2035-2043,
    https://papers.nips.cc/paper/3644.

    Example:
        >>> from quality.inference import GLAD
        >>> answers = [(t, w, t % 2 if w < 3 else 1 - t % 2) for t in range(20) for w in range(5)]
        >>> glad = GLAD().fit(answers)
        >>> glad.labels_[:4], bool(glad.alphas_[3] < 0 < glad.alphas_[0])
        ([0, 1, 0, 1], True)
    """

    alphas_: NDArray[np.float64]
    betas_: NDArray[np.float64]
    skills_: NDArray[np.float64]
    priors_: NDArray[np.float64]
    n_iter_: int
    loss_history_: list[float]

    def __init__(
        self,
        n_iter: int = 100,
        tol: float = 1e-5,
        m_step_max_iter: int = 25,
        m_step_tol: float = 1e-2,
        alpha_prior_mean: float = 1.0,
        beta_prior_mean: float = 1.0,
    ) -> None:
        self.n_iter = n_iter
        self.tol = tol
        self.m_step_max_iter = m_step_max_iter
        self.m_step_tol = m_step_tol
        self.alpha_prior_mean = alpha_prior_mean
        self.beta_prior_mean = beta_prior_mean

    def _fit_encoded(self, data: Encoded) -> NDArray[np.float64]:
        t, w, lab = data.tasks, data.workers, data.labels
        n_t, n_w, k = data.n_tasks, data.n_workers, data.n_classes
        log_k1 = np.log(max(k - 1, 1))
        priors = np.full(k, 1.0 / k)
        flat = t * k + lab

        def answer_logs(
            alphas: NDArray[np.float64], betas: NDArray[np.float64]
        ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
            x = alphas[w] * np.exp(betas)[t]
            log_right = -np.logaddexp(0.0, -x)  # log sigmoid(x); log(1 - sigmoid(x)) = that - x
            return x, log_right, log_right - x - log_k1

        def e_step(alphas: NDArray[np.float64], betas: NDArray[np.float64]) -> NDArray[np.float64]:
            _, log_right, log_wrong = answer_logs(alphas, betas)
            base = np.bincount(t, weights=log_wrong, minlength=n_t)
            bonus = np.bincount(flat, weights=log_right - log_wrong, minlength=n_t * k)
            log_post = base[:, None] + bonus.reshape(n_t, k) + np.log(priors)
            return data.clamp_gold(log_softmax_rows(log_post))

        def q_value(
            alphas: NDArray[np.float64], betas: NDArray[np.float64], p_right: NDArray[np.float64]
        ) -> float:
            _, log_right, log_wrong = answer_logs(alphas, betas)
            q = float(p_right @ log_right + (1 - p_right) @ log_wrong)
            q -= 0.5 * float(((alphas - self.alpha_prior_mean) ** 2).sum()) + n_w * _LOG_NORM
            q -= 0.5 * float(((betas - self.beta_prior_mean) ** 2).sum()) + n_t * _LOG_NORM
            return q

        def m_step(
            alphas: NDArray[np.float64], betas: NDArray[np.float64], p_right: NDArray[np.float64]
        ) -> tuple[NDArray[np.float64], ...]:
            def objective(z: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
                a, b = z[:n_w], z[n_w:]
                x, log_right, log_wrong = answer_logs(a, b)
                q = float(p_right @ log_right + (1 - p_right) @ log_wrong)
                q -= 0.5 * float(((a - self.alpha_prior_mean) ** 2).sum())
                q -= 0.5 * float(((b - self.beta_prior_mean) ** 2).sum())
                g = p_right - np.exp(log_right)
                eb = np.exp(b)[t]
                grad_a = np.bincount(w, weights=g * eb, minlength=n_w) - (a - self.alpha_prior_mean)
                grad_b = np.bincount(t, weights=g * x, minlength=n_t) - (b - self.beta_prior_mean)
                return -q, -np.concatenate([grad_a, grad_b])

            res = minimize(
                objective,
                np.concatenate([alphas, betas]),
                jac=True,
                method="CG",
                tol=self.m_step_tol,
                options={"maxiter": self.m_step_max_iter},
            )
            return res.x[:n_w], res.x[n_w:]

        alphas = np.ones(n_w)
        betas = np.ones(n_t)
        probas = e_step(alphas, betas)
        q = q_value(alphas, betas, probas[t, lab])
        self.loss_history_ = []
        self.n_iter_ = 0
        for _ in range(self.n_iter):
            last_q = q
            probas = e_step(alphas, betas)
            p_right = probas[t, lab]
            alphas, betas = m_step(alphas, betas, p_right)
            q = q_value(alphas, betas, p_right) / data.n_answers
            self.n_iter_ += 1
            self.loss_history_.append(q)
            if q - last_q < self.tol:
                break
        self.alphas_, self.betas_, self.skills_, self.priors_ = alphas, betas, alphas, priors
        return probas

    def _fit_empty(self, data: Encoded) -> None:
        k = data.n_classes
        self.alphas_ = np.zeros(0)
        self.betas_ = np.zeros(0)
        self.skills_ = np.zeros(0)
        self.priors_ = np.full(k, 1.0 / k) if k else np.zeros(0)
        self.n_iter_ = 0
        self.loss_history_ = []
