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


def calibrated_posterior(
    answers: Answers,
    probas: NDArray[np.float64],
    *,
    gold: Mapping[Hashable, Hashable] | None = None,
    classes: Iterable[Hashable] | None = None,
    model: Model = "one_coin",
    strength: float = STRENGTH,
) -> Calibrated:
    """Posteriors from leave-one-out, shrunk annotator models fitted to ``probas``.

    ``probas`` are any method's posteriors (items × classes) for the same ``answers``, ``gold``
    and ``classes`` (the encoding is the estimators' own, so rows and columns line up with their
    ``items_`` and ``classes_``). Gold items keep their known label (probability 1).
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
        log_lik, skills = _one_coin(data, soft, strength)
    elif model == "confusion":
        log_lik, skills = _confusion(data, soft, strength, priors)
    else:
        raise ValueError(f"unknown model {model!r}")
    scores = log_lik + np.log(priors)
    scores -= scores.max(axis=1, keepdims=True)
    out = np.exp(scores)
    out /= out.sum(axis=1, keepdims=True)
    data.clamp_gold(out)
    return Calibrated(data.items, data.classes, out, data.annotators, skills)


def _one_coin(
    data: Encoded, soft: NDArray[np.float64], strength: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Log-likelihood per item and class with one accuracy per annotator."""
    k = data.n_classes
    agree = soft[data.tasks, data.labels]
    n_w = np.bincount(data.workers, minlength=data.n_workers).astype(np.float64)
    right_w = np.bincount(data.workers, weights=agree, minlength=data.n_workers)
    pooled = (right_w.sum() + 1.0) / (n_w.sum() + 2.0)
    skills = (right_w + strength * pooled) / (n_w + strength)
    own = (right_w[data.workers] - agree + strength * pooled) / (n_w[data.workers] - 1 + strength)
    own = np.clip(own, EPS, 1 - EPS)
    log_right = np.log(own)
    log_wrong = np.log((1.0 - own) / (k - 1)) if k > 1 else np.zeros_like(own)
    base = np.bincount(data.tasks, weights=log_wrong, minlength=data.n_tasks)
    bonus = np.bincount(
        data.tasks * k + data.labels, weights=log_right - log_wrong, minlength=data.n_tasks * k
    ).reshape(data.n_tasks, k)
    return (base[:, None] + bonus).astype(np.float64), skills.astype(np.float64)


def _confusion(
    data: Encoded, soft: NDArray[np.float64], strength: float, priors: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Log-likelihood per item and class with one confusion matrix per annotator."""
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
    log_theta = np.log(np.clip(theta, EPS, 1.0))
    n_t = data.n_tasks
    columns = [np.bincount(data.tasks, weights=log_theta[:, z], minlength=n_t) for z in range(k)]
    log_lik = np.stack(columns, axis=1).astype(np.float64)
    return log_lik, np.asarray(skills, dtype=np.float64)
