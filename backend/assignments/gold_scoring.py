"""How close an answer is to a gold item's known answer, as a score in [0, 1].

Pure functions on result dicts (the stored JSON of each kind). The annotator sees the verdict right
after submitting, and the score feeds their gold accuracy (rule 5), so the rules are simple and
strict: classification is the exact label; boxes are F1 with a match at IoU >= 0.5 of the same
label; spans are exact-match F1. An empty answer to an empty gold answer is a perfect score
("nothing to label" is a real answer).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

IOU_MATCH = 0.5


def iou(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Intersection over union of two ``{x, y, w, h}`` boxes."""
    ix = max(0.0, min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"]))
    iy = max(0.0, min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"]))
    inter = ix * iy
    union = a["w"] * a["h"] + b["w"] * b["h"] - inter
    return inter / union if union > 0 else 0.0


def _f1(matched: int, n_answer: int, n_expected: int) -> float:
    if n_answer == 0 and n_expected == 0:
        return 1.0
    return 2.0 * matched / (n_answer + n_expected)


def boxes_f1(
    answer: Sequence[Mapping[str, Any]],
    expected: Sequence[Mapping[str, Any]],
    *,
    threshold: float = IOU_MATCH,
) -> float:
    """F1 of one-to-one matches (same label, IoU >= threshold), greedy by IoU descending."""
    pairs = sorted(
        (
            (iou(a, e), i, j)
            for i, a in enumerate(answer)
            for j, e in enumerate(expected)
            if a["label"] == e["label"]
        ),
        reverse=True,
    )
    used_a: set[int] = set()
    used_e: set[int] = set()
    for overlap, i, j in pairs:
        if overlap < threshold:
            break
        if i not in used_a and j not in used_e:
            used_a.add(i)
            used_e.add(j)
    return _f1(len(used_a), len(answer), len(expected))


def spans_f1(answer: Sequence[Mapping[str, Any]], expected: Sequence[Mapping[str, Any]]) -> float:
    """F1 of spans that match exactly: same label, start and end."""

    def key(span: Mapping[str, Any]) -> tuple[str, int, int]:
        return (span["label"], span["start"], span["end"])

    a, e = {key(s) for s in answer}, {key(s) for s in expected}
    return _f1(len(a & e), len(a), len(e))


def gold_score(kind: str, answer: Mapping[str, Any], expected: Mapping[str, Any]) -> float:
    """The score of ``answer`` against the gold ``expected`` for a project kind."""
    if kind in ("image_classification", "text_classification"):
        return 1.0 if answer.get("label") == expected.get("label") else 0.0
    if kind == "image_boxes":
        return boxes_f1(answer.get("boxes", []), expected.get("boxes", []))
    if kind == "text_spans":
        return spans_f1(answer.get("spans", []), expected.get("spans", []))
    raise ValueError(f"no gold scoring for the kind {kind!r}")


def is_correct(score: float) -> bool:
    """The verdict shown to the annotator: everything matched."""
    return score >= 1.0 - 1e-9
