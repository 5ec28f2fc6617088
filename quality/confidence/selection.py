"""Choosing a project's inference method by its gold.

No single unsupervised method is best on every crowd (on the 19 real sets of
``datasets/crowd_truth`` the best differs from set to set), but a project with gold can measure
which one fits its crowd, as a data scientist would.

**Scoring: the fits never see the gold.** Each candidate is fitted once on all answers *without*
the gold (:func:`~quality.confidence.methods.infer_classes` fits that way too: ``anchor=False``)
and scored on every answered gold item, whose label it never saw: a plain held-out evaluation,
one fit per candidate instead of one per fold and candidate. (Clamping 5% gold into the fits, with
the gold's own score cross-validated, was measured on the real crowds and lowered the accuracy of
the other items more often than it raised it: ``tests/benchmarks/results/replay.md``.) The score is
the share of gold items labelled right; ties go to the candidate whose posteriors gave the gold
labels the higher mean log-probability (the log score: I. J. Good, "Rational decisions",
J. Royal Statistical Society B 14(1):107-114, 1952), then to the earlier candidate.

**The one-standard-error rule.** With a few dozen gold items the scores of six candidates differ
by one or two items, mostly by chance, and the best of six noisy scores is optimistic. So the
default (Dawid-Skene, or the first candidate) is kept unless the best candidate labels the gold
right more often by more than one standard error of the paired per-item difference (L. Breiman,
J. Friedman, R. Olshen, C. Stone, *Classification and Regression Trees*, 1984, section 3.4.3;
T. Hastie, R. Tibshirani, J. Friedman, *The Elements of Statistical Learning*, 2nd ed., 2009,
section 7.10). On the real crowds this keeps the default where the candidates are alike and
still switches where one is clearly better (``results/replay.md``).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .._data import Answers, encode
from .methods import DEFAULT, METHODS, fit_method

ONE_SE = 1.0
"""Standard errors by which a candidate must beat the default on the gold to replace it."""


@dataclass(frozen=True)
class MethodChoice:
    """The chosen method, every candidate's gold accuracy, and the evidence size.

    ``folds`` is 1: every gold item is scored once, by fits that saw no gold (``held_out``)."""

    method: str
    scores: dict[str, float]
    n_gold: int
    folds: int
    reason: str = ""
    held_out: list[list[Hashable]] = field(default_factory=list)


def choose_by_gold(
    answers: Answers,
    gold: Mapping[Hashable, Hashable],
    *,
    candidates: Sequence[str] | None = None,
    classes: Iterable[Hashable] | None = None,
    default: str = DEFAULT,
    one_se: float = ONE_SE,
) -> MethodChoice:
    """Score each candidate (fitted without gold) on the gold and pick by the one-SE rule.

    Only gold items that have answers count (the others cannot be scored). ``default`` is the
    candidate kept unless another beats it by ``one_se`` standard errors (the first candidate
    when ``default`` is not one of them).
    """
    names = list(candidates) if candidates is not None else list(METHODS)
    base = default if default in names else names[0]
    data = encode(answers, gold, None if classes is None else list(classes))
    answered, labelled = set(data.items), set(data.classes)  # a missing label is no gold
    scored = [item for item in gold if item in answered and gold[item] in labelled]
    if not scored:
        return MethodChoice(base, {}, 0, 0, "no answered gold items")
    right: dict[str, np.ndarray] = {}
    log_score: dict[str, float] = {}
    for name in names:
        fitted = fit_method(name, answers, gold=None, classes=data.classes)
        row = {item: r for r, item in enumerate(fitted.items_)}
        column = {c: k for k, c in enumerate(fitted.classes_)}
        rows = np.fromiter((row[item] for item in scored), dtype=np.intp, count=len(scored))
        truth = np.fromiter(
            (column[gold[item]] for item in scored), dtype=np.intp, count=len(scored)
        )
        label_codes = np.fromiter(
            (column[fitted.labels_[r]] for r in rows.tolist()), dtype=np.intp, count=len(rows)
        )
        right[name] = (label_codes == truth).astype(np.float64)
        p = fitted.probas_[rows, truth]
        log_score[name] = float(np.log(np.clip(p, 1e-6, 1.0)).sum())
    scores = {name: float(right[name].mean()) for name in names}
    best = max(names, key=lambda n: (scores[n], log_score[n], -names.index(n)))
    n = len(scored)
    kept = ""
    if best != base:
        diff = right[best] - right[base]
        se = float(diff.std(ddof=1)) / np.sqrt(n) if n > 1 else np.inf
        if not float(diff.mean()) > one_se * se:
            kept = (
                f"; {best} ({scores[best]:.1%}) does not beat the default {base} by more than "
                f"one standard error ({se:.1%}), so the default is kept"
            )
            best = base
    reason = (
        f"{best} labelled {scores[best]:.1%} of {n} gold items right (fitted without the "
        "gold); " + ", ".join(f"{m} {scores[m]:.1%}" for m in names if m != best) + kept
    )
    return MethodChoice(best, scores, n, 1, reason, [scored])
