"""Gold feedback: how close an answer is to a gold item's known answer, and the verdict shown.

The score comes from the project's kind (``Kind.gold_score``: the exact label for classification,
F1 at IoU >= 0.5 for boxes, exact-match F1 for spans, all from ``quality/``); it feeds the
annotator's gold accuracy (rule 5). An empty answer to an empty known answer is a perfect score
("nothing to label" is a real answer).
"""

from __future__ import annotations

from typing import Any

from backend.kinds.registry import get_kind


def gold_score(kind: str, answer: dict[str, Any], expected: dict[str, Any]) -> float:
    """The score of ``answer`` against the gold ``expected`` for a project kind, in [0, 1]."""
    return float(get_kind(kind).gold_score(answer, expected))


def is_correct(score: float) -> bool:
    """The verdict shown to the annotator: everything matched."""
    return score >= 1.0 - 1e-9
