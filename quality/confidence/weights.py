"""Annotator weights from gold evidence, with unknown annotators at the crowd's prior.

An annotator's weight is their estimated accuracy: the posterior mean of a Beta prior centred on
the crowd's pooled gold accuracy ``m`` with ``strength`` pseudo-answers, updated with their own
gold record, ``(correct + strength·m) / (answered + strength)`` (empirical-Bayes shrinkage; A.
Gelman et al., Bayesian Data Analysis, 3rd ed., 2013, section 5.3). So an annotator without gold
answers weighs exactly ``m``: never above one whose gold record is better than the crowd's, never
below one whose record is worse. ``m`` itself is the pooled accuracy under a Beta(1, 1) prior.

For votes the weights become log-odds ``log(p / (1 - p))``: the weighted majority rule with these
weights is the most likely answer when annotators err independently (S. Nitzan and J. Paroush,
"Optimal decision rules in uncertain dichotomous choice situations", International Economic
Review 23(2):289-297, 1982), and the winning side's summed log-odds margin is the log-odds that it
is right, which gives a confidence for every voted object and item.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

PRIOR_STRENGTH = 4.0
"""Pseudo gold answers of the crowd prior: an annotator's own record outweighs it from about 4
gold answers on."""
ACCURACY_BOUNDS = (0.02, 0.98)
"""Estimated accuracies are kept inside these bounds so that no single annotator's log-odds is
infinite (a perfect gold record on 10 items is evidence, not certainty)."""


def crowd_prior(correct: ArrayLike, answered: ArrayLike) -> float:
    """The crowd's pooled gold accuracy under a Beta(1, 1) prior (0.5 with no gold at all)."""
    c = float(np.sum(np.asarray(correct, dtype=np.float64)))
    n = float(np.sum(np.asarray(answered, dtype=np.float64)))
    return (c + 1.0) / (n + 2.0)


def shrunk_accuracy(
    correct: ArrayLike, answered: ArrayLike, *, prior: float, strength: float = PRIOR_STRENGTH
) -> NDArray[np.float64]:
    """``(correct + strength·prior) / (answered + strength)``, element-wise, within the bounds."""
    c = np.asarray(correct, dtype=np.float64)
    n = np.asarray(answered, dtype=np.float64)
    if (c < 0).any() or (c > n + 1e-9).any():
        raise ValueError("need 0 <= correct <= answered")
    low, high = ACCURACY_BOUNDS
    return np.clip((c + strength * prior) / (n + strength), low, high)


def annotator_weights(
    records: Mapping[Hashable, tuple[float, float]],
    annotators: Iterable[Hashable] = (),
    *,
    strength: float = PRIOR_STRENGTH,
) -> dict[Hashable, float]:
    """Estimated accuracy of every annotator from ``records`` (annotator -> (correct, answered)
    on gold), and of each of ``annotators`` without a record (the crowd's prior).

    Example:
        >>> w = annotator_weights({"proven": (8.0, 9.0)}, ["new"])
        >>> round(w["proven"], 3), round(w["new"], 3), w["proven"] > w["new"]
        (0.867, 0.818, True)
    """
    names = list(records)
    correct = np.asarray([records[n][0] for n in names], dtype=np.float64)
    answered = np.asarray([records[n][1] for n in names], dtype=np.float64)
    prior = crowd_prior(correct, answered)
    weights = dict(
        zip(
            names,
            shrunk_accuracy(correct, answered, prior=prior, strength=strength).tolist(),
            strict=True,
        )
    )
    unknown = float(np.clip(prior, *ACCURACY_BOUNDS))
    for name in annotators:
        weights.setdefault(name, unknown)
    return weights


def log_odds(accuracy: ArrayLike) -> NDArray[np.float64]:
    """``log(p / (1 - p))`` of accuracies clipped to the bounds; below 0.5 it is negative."""
    p = np.clip(np.asarray(accuracy, dtype=np.float64), *ACCURACY_BOUNDS)
    return np.log(p / (1.0 - p))


def vote_weights(accuracy: ArrayLike) -> NDArray[np.float64]:
    """Fusion weights: the log-odds, floored at a small positive value (an annotator no better
    than chance adds nothing, and fusion needs positive weights)."""
    return np.maximum(log_odds(accuracy), 1e-3)


def object_confidence(support_share: ArrayLike, total_weight: ArrayLike) -> NDArray[np.float64]:
    """P(a fused object is real) from the log-odds weight share of the annotators who drew it
    and the total log-odds weight of everybody who answered the item:
    ``sigmoid((2·share - 1) · total)``, the margin of the weighted vote."""
    share = np.asarray(support_share, dtype=np.float64)
    total = np.asarray(total_weight, dtype=np.float64)
    return _sigmoid((2.0 * share - 1.0) * total)


def item_confidence(
    answer_item: ArrayLike, agreement: ArrayLike, weight: ArrayLike
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """P(an item's consensus is right) from its answers: each answer votes for the consensus
    with its log-odds weight scaled by ``2·agreement - 1`` (agreement: its F1 against the
    consensus, 1 = the same, 0 = nothing in common). One answer from an annotator of estimated
    accuracy ``p`` that agrees gives ``p``; two that agree give more; disagreement lowers it.

    Returns (items sorted, confidence per item).
    """
    items, index = np.unique(np.asarray(answer_item, dtype=np.int64), return_inverse=True)
    votes = (2.0 * np.asarray(agreement, dtype=np.float64) - 1.0) * log_odds(weight)
    margin = np.bincount(index.reshape(-1), weights=votes, minlength=len(items))
    return items, _sigmoid(margin.astype(np.float64))


def _sigmoid(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * x)), dtype=np.float64)


def objects_item_confidence(
    object_item: ArrayLike, confidence: ArrayLike, kept: ArrayLike, n_items: int
) -> NDArray[np.float64]:
    """P(an item's set of objects is right): every kept object real and every dropped candidate
    not, ``prod(c over kept) * prod(1 - c over dropped)`` for each item (``object_item``: index
    of each candidate's item in ``0..n_items-1``; independent objects). 1 for an item without
    candidates."""
    c = np.clip(np.asarray(confidence, dtype=np.float64), 1e-12, 1 - 1e-12)
    keep = np.asarray(kept, dtype=bool)
    log_p = np.where(keep, np.log(c), np.log1p(-c))
    total = np.bincount(np.asarray(object_item, dtype=np.int64), weights=log_p, minlength=n_items)
    return np.asarray(np.exp(total), dtype=np.float64)
