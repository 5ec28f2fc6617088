"""Calibrated class posteriors: the probability that each item's label is right.

Why: an EM method's own posterior is over-confident where evidence is thin. An annotator who
answered a single item gets, by maximum likelihood, a confusion matrix fitted to that one item
(accuracy 1), so the item's posterior is 1.0 from one answer. Here each annotator's accuracy (or
confusion matrix) is re-estimated from the method's posteriors of the *other* items they answered
(leave-one-out), shrunk towards the crowd's pooled estimate with ``strength`` pseudo-answers
(empirical Bayes; A. Gelman et al., Bayesian Data Analysis, 3rd ed., 2013, section 5.3), and each
item's posterior is recomputed from its answers under that model (the E-step of A. P. Dawid and
A. M. Skene, Applied Statistics 28(1):20-28, 1979). So one answer from an annotator of estimated
accuracy ``p`` gives about ``p`` (exactly ``p`` with two balanced classes in the one-coin model),
and an annotator without other answers counts at the crowd's prior.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from .._data import Answers, Encoded, encode

Model = Literal["one_coin", "confusion"]
STRENGTH = 2.0
"""Pseudo-answers of the crowd's pooled estimate added to every annotator's own (per true class
for confusion matrices). Small: an annotator's record dominates from a handful of answers."""
EPS = 1e-6


@dataclass(frozen=True)
class Calibrated:
    """Posteriors (items × classes) aligned with ``items``/``classes`` and each annotator's
    estimated accuracy (prior-weighted diagonal for confusion matrices) from all their answers."""

    items: list[Any]
    classes: list[Any]
    probas: NDArray[np.float64]
    annotators: list[Any]
    skills: NDArray[np.float64]
    temperature: float = 1.0


def calibrated_posterior(
    answers: Answers,
    probas: NDArray[np.float64],
    *,
    gold: Mapping[Hashable, Hashable] | None = None,
    classes: Iterable[Hashable] | None = None,
    model: Model = "one_coin",
    strength: float = STRENGTH,
    temper: bool = True,
) -> Calibrated:
    """Posteriors from leave-one-out, shrunk annotator models fitted to ``probas``.

    ``probas`` are any method's posteriors (items × classes) for the same ``answers``, ``gold``
    and ``classes`` (the encoding is the estimators' own, so rows and columns line up with their
    ``items_`` and ``classes_``). Gold items keep their known label (probability 1). With
    ``temper`` the evidence is divided by the temperature that best predicts held-out answers
    (:func:`fit_temperature`), which corrects for annotators who err together.
    """
    data = encode(answers, gold, classes)
    soft = np.asarray(probas, dtype=np.float64)
    if soft.shape != (data.n_tasks, data.n_classes):
        raise ValueError(f"probas must be {data.n_tasks} × {data.n_classes}, got {soft.shape}")
    if data.n_answers == 0:
        return Calibrated(data.items, data.classes, soft.copy(), data.annotators, np.zeros(0))
    k = data.n_classes
    n_t = data.n_tasks
    priors = (soft.sum(axis=0) + 1.0) / (n_t + k)
    if model == "one_coin":
        log_theta, skills = _one_coin(data, soft, strength)
    elif model == "confusion":
        log_theta, skills = _confusion(data, soft, strength, priors)
    else:
        raise ValueError(f"unknown model {model!r}")
    columns = [np.bincount(data.tasks, weights=log_theta[:, z], minlength=n_t) for z in range(k)]
    log_lik = np.stack(columns, axis=1).astype(np.float64)
    temperature = fit_temperature(data, log_theta, log_lik, priors) if temper else 1.0
    out = _softmax(log_lik / temperature + np.log(priors))
    data.clamp_gold(out)
    return Calibrated(data.items, data.classes, out, data.annotators, skills, temperature)


TEMPERATURES = (1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0, 6.0)
"""Candidate temperatures of the evidence (1 = the model as fitted; larger = less certain)."""


def fit_temperature(
    data: Encoded,
    log_theta: NDArray[np.float64],
    log_lik: NDArray[np.float64],
    priors: NDArray[np.float64],
) -> float:
    """The temperature under which each answer is best predicted from the item's other answers.

    Why: the model treats annotators' answers as independent given the truth; on real crowds
    they are not (hard items fool many annotators at once), so the summed evidence is too
    strong and the posteriors over-confident. Held-out answers show it without any gold: the
    posterior from an item's other answers, tempered by ``T`` (evidence divided by ``T``),
    predicts the held-out answer through its annotator's model; ``T`` (never below 1) maximises
    the log-likelihood of all held-out answers on items with two answers or more, not gold
    (temperature scaling as in C. Guo et al., "On Calibration of Modern Neural Networks", ICML
    2017, fitted here on a posterior-predictive check instead of labelled data).
    """
    per_task = np.bincount(data.tasks, minlength=data.n_tasks)
    usable = per_task[data.tasks] >= 2
    if len(data.gold_tasks):
        usable &= ~np.isin(data.tasks, data.gold_tasks)
    if not usable.any():
        return 1.0
    own = log_theta[usable]
    others = log_lik[data.tasks[usable]] - own
    log_prior = np.log(priors)
    best, best_score = 1.0, -np.inf
    for temperature in TEMPERATURES:
        post = _softmax(others / temperature + log_prior)
        score = float(np.log(np.maximum((post * np.exp(own)).sum(axis=1), 1e-300)).sum())
        if score > best_score + 1e-9:
            best, best_score = temperature, score
    return best


def _softmax(scores: NDArray[np.float64]) -> NDArray[np.float64]:
    shifted = scores - scores.max(axis=1, keepdims=True)
    out = np.exp(shifted)
    out /= out.sum(axis=1, keepdims=True)
    return np.asarray(out, dtype=np.float64)


def _one_coin(
    data: Encoded, soft: NDArray[np.float64], strength: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """log P(answer | true class) per answer (answers × classes), one accuracy per annotator."""
    k = data.n_classes
    agree = soft[data.tasks, data.labels]
    n_w = np.bincount(data.workers, minlength=data.n_workers).astype(np.float64)
    right_w = np.bincount(data.workers, weights=agree, minlength=data.n_workers)
    pooled = (right_w.sum() + 1.0) / (n_w.sum() + 2.0)
    skills = (right_w + strength * pooled) / (n_w + strength)
    own = (right_w[data.workers] - agree + strength * pooled) / (n_w[data.workers] - 1 + strength)
    own = np.clip(own, EPS, 1 - EPS)
    log_wrong = np.log((1.0 - own) / (k - 1)) if k > 1 else np.zeros_like(own)
    log_theta = np.repeat(log_wrong[:, None], k, axis=1)
    log_theta[np.arange(len(own)), data.labels] = np.log(own)
    return log_theta, skills.astype(np.float64)


def _confusion(
    data: Encoded, soft: NDArray[np.float64], strength: float, priors: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """log P(answer | true class) per answer (answers × classes), one confusion matrix per
    annotator."""
    k = data.n_classes
    n_w = data.n_workers
    rows = soft[data.tasks]  # answers × true class
    flat = data.workers * k + data.labels  # (worker, answered label)
    counts = np.stack(
        [np.bincount(flat, weights=rows[:, z], minlength=n_w * k) for z in range(k)], axis=1
    ).reshape(n_w, k, k)  # [worker, answered, true]
    per_true = counts.sum(axis=1)  # [worker, true]
    pooled = (counts.sum(axis=0) + 1.0 / k) / (per_true.sum(axis=0) + 1.0)[None, :]  # [ans, true]
    full = (counts + strength * pooled[None]) / (per_true + strength)[:, None, :]
    skills = np.einsum("wkk,k->w", full, priors)
    own_counts = counts[data.workers, data.labels] - rows  # answers × true
    own_totals = per_true[data.workers] - rows
    theta = (own_counts + strength * pooled[data.labels]) / (own_totals + strength)
    log_theta = np.log(np.clip(theta, EPS, 1.0)).astype(np.float64)
    return log_theta, np.asarray(skills, dtype=np.float64)
