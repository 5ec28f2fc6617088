"""Consensus and agreement for bounding boxes.

Consensus fuses the annotators' boxes per image, weighted by their smoothed gold accuracy
(``quality.boxes.fuse_boxes``, weighted box fusion after Solovyev et al. 2021). An image's
confidence is the weighted mean F1 (IoU ≥ 0.5) of each annotator's answer against the fused
boxes: how far the crowd agrees with what was kept. Agreement is the mean pairwise F1 and mean
matched IoU over images with two or more annotators, overall and per label.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from backend.consensus.answers import AnswerTable
from backend.consensus.kinds.base import ScoresByMatch
from quality import boxes

IOU = 0.5
BOX_FIELDS = ("label", "x", "y", "w", "h")


class BoxesConsensus(ScoresByMatch):
    method = "weighted_box_fusion"
    needs_text = False
    label_field = None
    field = "boxes"

    def combine(
        self, marks: Mapping[int, list[dict[str, Any]]], weights: Mapping[int, float], text: Any
    ) -> list[dict[str, Any]]:
        fused = boxes.fuse_boxes(marks, weights, iou_threshold=IOU)
        return [{k: box[k] for k in BOX_FIELDS} for box in fused]

    def agreement(self, answers: AnswerTable, *, labels: Sequence[str]) -> dict[str, Any]:
        grouped = [g for g in self.group(answers).values() if len(g) >= 2]
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
