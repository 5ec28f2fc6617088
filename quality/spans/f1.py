"""Span F1 between two annotators (exact and overlapping match)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

Span = Mapping[str, Any]


def _overlap_matches(a: Sequence[Span], b: Sequence[Span]) -> int:
    """Largest one-to-one matching of same-label, overlapping spans (Hungarian on overlap)."""
    if not a or not b:
        return 0
    overlap = np.zeros((len(a), len(b)))
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            if x["label"] == y["label"]:
                overlap[i, j] = max(0, min(x["end"], y["end"]) - max(x["start"], y["start"]))
    hit = (overlap > 0).astype(float)
    # lexicographic: first the number of matches, then the total overlap as a tie-breaker
    score = hit * (1.0 + overlap.max() + 1.0) + overlap
    rows, cols = linear_sum_assignment(score, maximize=True)
    return int(sum(hit[r, c] for r, c in zip(rows, cols, strict=True)))


def span_f1(a: Sequence[Span], b: Sequence[Span], mode: str = "exact") -> float:
    """F1 between two annotators' spans of one text: ``2 m / (|a| + |b|)``.

    ``mode="exact"``: a match needs the same label, start and end (the CoNLL criterion, E. F.
    Tjong Kim Sang and F. De Meulder, "Introduction to the CoNLL-2003 Shared Task",
    CoNLL 2003, https://aclanthology.org/W03-0419). ``mode="overlap"``: same label and at least
    one shared code point, matched one to one (Hungarian), the lenient criterion of
    MUC/SemEval-style partial matching. Both empty is perfect agreement (1.0). Duplicated spans
    count as many times as given.

    Example:
        >>> a = [{"label": "PART", "start": 0, "end": 3}, {"label": "FAULT", "start": 5, "end": 7}]
        >>> b = [{"label": "PART", "start": 0, "end": 2}, {"label": "FAULT", "start": 5, "end": 7}]
        >>> span_f1(a, b), span_f1(a, b, mode="overlap")
        (0.5, 1.0)
    """
    if mode not in ("exact", "overlap"):
        raise ValueError("mode must be 'exact' or 'overlap'")
    total = len(a) + len(b)
    if total == 0:
        return 1.0
    if mode == "exact":
        ca = Counter((s["label"], int(s["start"]), int(s["end"])) for s in a)
        cb = Counter((s["label"], int(s["start"]), int(s["end"])) for s in b)
        matches = sum((ca & cb).values())
    else:
        matches = _overlap_matches(a, b)
    return 2.0 * matches / total


def pairwise_span_f1(annotations: Mapping[Any, Sequence[Span]], mode: str = "exact") -> float:
    """Mean :func:`span_f1` over all pairs of annotators of one text (NaN below two).

    Example:
        >>> pairwise_span_f1({"a": [{"label": "P", "start": 0, "end": 2}],
        ...                   "b": [{"label": "P", "start": 0, "end": 2}], "c": []})
        0.3333333333333333
    """
    scores = [
        span_f1(annotations[p], annotations[q], mode) for p, q in combinations(list(annotations), 2)
    ]
    return float(np.mean(scores)) if scores else float("nan")
