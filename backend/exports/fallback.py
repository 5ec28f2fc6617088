"""A plain vote over raw annotations, for items the quality workers have no consensus for yet.

Once ``consensus`` rows exist (Dawid-Skene and box fusion in ``quality/``) they are used instead;
this is only the floor, and the manifest says per item which one was used (``origin``):

* classification: the most frequent label (ties: alphabetical); confidence = its share of votes;
* boxes: boxes of the same label matched across annotations at IoU >= 0.5 (greedy, in order);
  a group given by a strict majority of the annotations is kept, at the mean coordinates;
* spans: an exact (label, start, end) given by a strict majority of the annotations is kept.

For boxes and spans the confidence is the mean support of the kept elements (1.0 when the
annotators agree that there is nothing to label).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Vote:
    result: dict[str, Any]
    confidence: float
    agreement: float


def fallback_consensus(kind: str, results: list[dict[str, Any]]) -> Vote:
    if kind.endswith("classification"):
        return _labels(results)
    if kind == "image_boxes":
        return _boxes(results)
    if kind == "text_spans":
        return _spans(results)
    raise ValueError(f"no fallback vote for kind {kind!r}")


def _labels(results: list[dict[str, Any]]) -> Vote:
    counts = Counter(r["label"] for r in results)
    label, votes = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    share = votes / len(results)
    return Vote({"label": label}, share, share)


def _spans(results: list[dict[str, Any]]) -> Vote:
    counts: Counter[tuple[str, int, int]] = Counter()
    for result in results:
        counts.update({_span_key(span) for span in result["spans"]})
    n = len(results)
    kept = sorted((k for k, c in counts.items() if c * 2 > n), key=lambda k: (k[1], k[2], k[0]))
    spans = [{"label": lab, "start": start, "end": end} for lab, start, end in kept]
    return _support_vote({"spans": spans}, [counts[k] / n for k in kept], bool(counts))


def _span_key(span: dict[str, Any]) -> tuple[str, int, int]:
    return (span["label"], span["start"], span["end"])


def _boxes(results: list[dict[str, Any]]) -> Vote:
    groups: list[list[dict[str, Any]]] = []
    owners: list[set[int]] = []
    for who, result in enumerate(results):
        for box in result["boxes"]:
            best, best_iou = None, 0.5
            for g, group in enumerate(groups):
                if group[0]["label"] != box["label"] or who in owners[g]:
                    continue
                overlap = _iou(group[0], box)
                if overlap >= best_iou:
                    best, best_iou = g, overlap
            if best is None:
                groups.append([box])
                owners.append({who})
            else:
                groups[best].append(box)
                owners[best].add(who)
    n = len(results)
    kept = [(g, len(owners[i])) for i, g in enumerate(groups) if len(owners[i]) * 2 > n]
    boxes = [
        {
            "label": group[0]["label"],
            **{k: round(sum(b[k] for b in group) / len(group), 2) for k in ("x", "y", "w", "h")},
        }
        for group, _ in kept
    ]
    boxes.sort(key=lambda b: (b["y"], b["x"], b["label"]))
    return _support_vote({"boxes": boxes}, [c / n for _, c in kept], bool(groups))


def _support_vote(result: dict[str, Any], support: list[float], any_given: bool) -> Vote:
    """Mean support of what was kept; nothing given by anyone is full agreement."""
    confidence = sum(support) / len(support) if support else (0.0 if any_given else 1.0)
    return Vote(result, confidence, confidence)


def _iou(a: dict[str, Any], b: dict[str, Any]) -> float:
    ix = max(0.0, min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"]))
    iy = max(0.0, min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"]))
    inter = ix * iy
    union = a["w"] * a["h"] + b["w"] * b["h"] - inter
    return inter / union if union > 0 else 0.0
