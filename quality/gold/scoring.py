"""Gold scoring: smoothed per-annotator accuracy, per-label confusion and the pausing rule.

Why a prior: an annotator with two lucky gold answers has a raw accuracy of 100% and would look
like an expert; with a Beta(a, b) prior the estimate is the posterior mean
``(correct + a) / (answered + a + b)`` and only moves away from the prior mean ``a / (a + b)`` as
evidence accumulates (the Beta-binomial model; see A. Gelman et al., Bayesian Data Analysis,
3rd ed., CRC Press, 2013, section 2.4, https://doi.org/10.1201/b16018).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_PRIOR = (1.0, 1.0)
"""Beta(1, 1): uniform prior, i.e. Laplace's rule of succession."""


def smoothed_accuracy(
    correct: float, answered: float, prior: tuple[float, float] = DEFAULT_PRIOR
) -> float:
    """Posterior mean accuracy ``(correct + a) / (answered + a + b)`` under a Beta(a, b) prior.

    ``correct`` may be fractional (box or span F1 scores summed over gold items).

    Example:
        >>> smoothed_accuracy(2, 2), smoothed_accuracy(90, 100)
        (0.75, 0.8921568627450981)
    """
    a, b = prior
    if a < 0 or b < 0 or answered < 0 or not 0 <= correct <= answered:
        raise ValueError("need 0 <= correct <= answered and a non-negative prior")
    return (correct + a) / (answered + a + b)


def should_pause(
    smoothed: float, n_gold: int, *, gold_min_count: int, min_gold_accuracy: float
) -> bool:
    """The pausing rule of the platform (SPEC, task distribution rule 5).

    Paused exactly when the annotator has answered at least ``gold_min_count`` gold items and
    their smoothed gold accuracy is below ``min_gold_accuracy``. Pure, so the worker that applies
    it and the tests agree on the same decision.

    Example:
        >>> should_pause(0.55, 10, gold_min_count=5, min_gold_accuracy=0.7)
        True
        >>> should_pause(0.55, 4, gold_min_count=5, min_gold_accuracy=0.7)
        False
    """
    return n_gold >= gold_min_count and smoothed < min_gold_accuracy


@dataclass(frozen=True)
class GoldScore:
    """One annotator's gold record."""

    annotator: Any
    answered: int
    correct: float
    accuracy: float
    smoothed: float
    paused: bool


def _exact(answer: Any, truth: Any) -> float:
    return 1.0 if answer == truth else 0.0


def gold_scores(
    answers: Iterable[tuple[Hashable, Hashable, Any]],
    gold: Mapping[Hashable, Any],
    *,
    prior: tuple[float, float] = DEFAULT_PRIOR,
    gold_min_count: int = 0,
    min_gold_accuracy: float = 0.0,
    score: Callable[[Any, Any], float] = _exact,
) -> dict[Any, GoldScore]:
    """Per-annotator gold accuracy (raw and smoothed) and the pausing decision.

    ``answers`` are (item, annotator, answer) triples; only items in ``gold`` count. ``score``
    grades one answer against the known one in [0, 1]: exact match for classification; pass
    e.g. ``lambda a, g: box_f1(a, g)["f1"]`` for boxes or ``span_f1`` for spans. A repeated
    answer to the same gold item counts each time.

    Example:
        >>> s = gold_scores([("g1", "ann", "x"), ("g2", "ann", "y")], {"g1": "x", "g2": "x"})
        >>> s["ann"].accuracy, s["ann"].smoothed
        (0.5, 0.5)
    """
    totals: dict[Any, list[float]] = {}
    for item, annotator, answer in answers:
        if item not in gold:
            continue
        rec = totals.setdefault(annotator, [0.0, 0.0])
        rec[0] += 1
        rec[1] += float(score(answer, gold[item]))
    out: dict[Any, GoldScore] = {}
    for annotator, (n, correct) in totals.items():
        smoothed = smoothed_accuracy(correct, n, prior)
        out[annotator] = GoldScore(
            annotator=annotator,
            answered=int(n),
            correct=correct,
            accuracy=correct / n,
            smoothed=smoothed,
            paused=should_pause(
                smoothed, int(n), gold_min_count=gold_min_count, min_gold_accuracy=min_gold_accuracy
            ),
        )
    return out


def gold_confusion(
    answers: Iterable[tuple[Hashable, Hashable, Any]],
    gold: Mapping[Hashable, Any],
) -> dict[Any, dict[Any, dict[Any, int]]]:
    """Per annotator: ``{known label: {answered label: count}}`` on gold items.

    Why: it tells an annotator (and the manager) which labels they mix up, e.g. "scratch"
    answered as "dent", which an accuracy figure hides.

    Example:
        >>> gold_confusion([("g1", "ann", "dent"), ("g2", "ann", "dent")],
        ...                {"g1": "scratch", "g2": "dent"})
        {'ann': {'scratch': {'dent': 1}, 'dent': {'dent': 1}}}
    """
    out: dict[Any, dict[Any, dict[Any, int]]] = {}
    for item, annotator, answer in answers:
        if item not in gold:
            continue
        row = out.setdefault(annotator, {}).setdefault(gold[item], {})
        row[answer] = row.get(answer, 0) + 1
    return out
