"""Choosing a project's inference method by its gold, by cross-validation.

No single unsupervised method is best on every crowd (on the 19 real sets of
``datasets/crowd_truth`` the best differs from set to set), but a project with gold can measure
which one fits its crowd, as a data scientist would. The gold items are split into ``folds``
(seeded); each candidate is fitted on all answers with every fold's gold but one clamped, and
scored on the held-out fold's items, whose gold it never saw (their answers stay in the fit as
unlabelled items, exactly as a non-gold item's would). The pooled share of held-out gold items
labelled right is the method's score; the best score wins. Ties (frequent with a few dozen gold
items) go to the candidate whose posteriors gave the held-out gold labels the higher mean
log-probability (the log score: I. J. Good, "Rational decisions", J. Royal Statistical Society B
14(1):107-114, 1952), then to the earlier candidate (the default first). Cross-validation:
M. Stone, "Cross-validatory choice and assessment of statistical predictions", J. Royal
Statistical Society B 36(2):111-147, 1974.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .._data import Answers
from .methods import DEFAULT, METHODS, fit_method

FOLDS = 5


@dataclass(frozen=True)
class MethodChoice:
    """The chosen method, every candidate's held-out gold accuracy, and the evidence size."""

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
    folds: int = FOLDS,
    seed: int = 0,
) -> MethodChoice:
    """Score each candidate on gold by ``folds``-fold cross-validation and pick the best.

    Only gold items that have answers count (the others cannot be scored).
    """
    names = list(candidates) if candidates is not None else list(METHODS)
    classes = None if classes is None else list(classes)
    answered = {row[0] for row in _rows(answers)}
    scored = [item for item in gold if item in answered]
    if not scored:
        return MethodChoice(DEFAULT, {}, 0, 0, "no answered gold items")
    n_folds = max(2, min(folds, len(scored)))
    order = np.random.default_rng(seed).permutation(len(scored))
    parts = [[scored[i] for i in order[f::n_folds].tolist()] for f in range(n_folds)]
    right = dict.fromkeys(names, 0)
    log_score = dict.fromkeys(names, 0.0)
    for part in parts:
        held = set(part)
        train = {item: label for item, label in gold.items() if item not in held}
        for name in names:
            fitted = fit_method(name, answers, gold=train, classes=classes)
            labels = fitted.labels_dict()
            right[name] += sum(labels.get(item) == gold[item] for item in part)
            row = {item: r for r, item in enumerate(fitted.items_)}
            column = {c: k for k, c in enumerate(fitted.classes_)}
            p = [
                float(fitted.probas_[row[item], column[gold[item]]]) if gold[item] in column else 0
                for item in part
            ]
            log_score[name] += float(np.log(np.clip(p, 1e-6, 1.0)).sum())
    scores = {name: right[name] / len(scored) for name in names}
    best = max(names, key=lambda n: (scores[n], log_score[n], -names.index(n)))
    reason = (
        f"{best} labelled {scores[best]:.1%} of {len(scored)} held-out gold items right "
        f"({n_folds}-fold cross-validation); "
        + ", ".join(f"{n} {scores[n]:.1%}" for n in names if n != best)
    )
    return MethodChoice(best, scores, len(scored), n_folds, reason, parts)


def _rows(answers: Answers) -> Iterable[tuple[Hashable, ...]]:
    if isinstance(answers, np.ndarray):
        return (tuple(row) for row in answers.tolist())
    return answers
