"""Consensus and agreement for bounding boxes.

Consensus fuses the annotators' boxes per image, weighted by their smoothed gold accuracy
(``quality.boxes.fuse_boxes``, weighted box fusion after Solovyev et al. 2021). An image's
confidence is the weighted mean F1 (IoU ≥ 0.5) of each annotator's answer against the fused
boxes: how far the crowd agrees with what was kept. Agreement is the mean pairwise F1 and mean
matched IoU over images with two or more annotators, overall and per label.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from backend.consensus.answers import AnswerTable
from backend.consensus.kinds.base import Inferred, ScoresByMatch
from quality import boxes

IOU = 0.5
BOX_FIELDS = ("label", "x", "y", "w", "h")


def _by_item(answers: AnswerTable) -> dict[int, dict[int, list[dict[str, Any]]]]:
    grouped: dict[int, dict[int, list[dict[str, Any]]]] = defaultdict(dict)
    assert answers.results is not None
    for item, user, result in zip(
        answers.item.tolist(), answers.annotator.tolist(), answers.results, strict=True
    ):
        grouped[item][user] = result["boxes"]
    return grouped


class BoxesConsensus(ScoresByMatch):
    method = "weighted_box_fusion"
    needs_text = False
    label_field = None

    def infer(
        self,
        answers: AnswerTable,
        *,
        gold: Mapping[int, dict[str, Any]],
        labels: Sequence[str],
        weights: Mapping[int, float],
        texts: Mapping[int, str],
    ) -> Inferred:
        items, results, confidence, n = [], [], [], []
        own_scores: dict[tuple[int, int], float] = {}
        for item_id, by_annotator in _by_item(answers).items():
            fused = boxes.fuse_boxes(by_annotator, weights, iou_threshold=IOU)
            result = {"boxes": [{k: box[k] for k in BOX_FIELDS} for box in fused]}
            scores = [
                boxes.box_f1(own, result["boxes"], IOU)["f1"] for own in by_annotator.values()
            ]
            w = [weights.get(user, 1.0) for user in by_annotator]
            items.append(item_id)
            results.append(result)
            confidence.append(float(np.average(scores, weights=w)))
            n.append(len(by_annotator))
            for user, score in zip(by_annotator, scores, strict=True):
                own_scores[item_id, user] = float(score)
        return Inferred(
            item=np.asarray(items, dtype=np.int64),
            results=results,
            confidence=np.asarray(confidence, dtype=np.float64),
            n=np.asarray(n, dtype=np.int64),
            own_scores=own_scores,
        )

    def agreement(self, answers: AnswerTable, *, labels: Sequence[str]) -> dict[str, Any]:
        grouped = [g for g in _by_item(answers).values() if len(g) >= 2]
        if not grouped:
            return {"items_with_2plus": 0}
        overall = [boxes.pairwise_box_agreement(g, IOU) for g in grouped]
        single = [_single_label(g) for g in grouped]
        per_label = {}
        for label in labels:
            # an image whose boxes all carry this label: filtering changes nothing, so its
            # per-label figure is its overall one (no second matching)
            figures = [
                whole["f1"]
                if only == label
                else boxes.pairwise_box_agreement(
                    {u: [b for b in bs if b["label"] == label] for u, bs in g.items()}, IOU
                )["f1"]
                for g, whole, only in zip(grouped, overall, single, strict=True)
                if any(b["label"] == label for bs in g.values() for b in bs)
            ]
            per_label[label] = float(np.mean(figures)) if figures else None
        return {
            "items_with_2plus": len(grouped),
            "pairwise_f1": float(np.mean([f["f1"] for f in overall])),
            "mean_iou": _nanmean([f["mean_iou"] for f in overall]),
            "iou_threshold": IOU,
            "per_label": per_label,
        }

    def match(self, result: dict[str, Any], reference: dict[str, Any]) -> float:
        return float(boxes.box_f1(result["boxes"], reference["boxes"], IOU)["f1"])


def _single_label(group: Mapping[int, list[dict[str, Any]]]) -> Any:
    """The one label every box of the group carries, or None (no box, or several labels)."""
    found = {b["label"] for bs in group.values() for b in bs}
    return next(iter(found)) if len(found) == 1 else None


def _nanmean(values: Sequence[float]) -> float | None:
    finite = [v for v in values if v == v]
    return float(np.mean(finite)) if finite else None


BOXES = BoxesConsensus()
