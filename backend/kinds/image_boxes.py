"""Bounding boxes in pixels of the original image, origin top-left.

``{"boxes": [{"label": "scratch", "x": 10.0, "y": 20.0, "w": 30.0, "h": 15.0}]}``; an empty list
is a valid answer ("nothing to label"), and so is ``{"ok": true}`` ("no defect", ``ok_flag``).

Consensus fuses the annotators' boxes per image, weighted by their smoothed gold accuracy
(``quality.boxes.fuse_boxes``, weighted box fusion after Solovyev et al. 2021); an annotator
without gold answers weighs the crowd's prior, not more than a proven one. An image's confidence
is the probability that its fused boxes are right: each answer votes for them with the log-odds
of its annotator's accuracy, scaled by its F1 (IoU ≥ 0.5) against them
(``backend.kinds.marks.calibrated_confidence``). Agreement is the mean pairwise F1 and mean
matched IoU over images with two or more annotators, overall and per label. A gold answer scores
the same F1 against the known boxes; the exports' fallback keeps the boxes a strict majority drew
(``quality.boxes.majority_boxes``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from backend.kinds.answers import AnswerTable
from backend.kinds.consensus import Inferred
from backend.kinds.kind import Kind, Vote
from backend.kinds.marks import (
    MarksConsensus,
    answer_accuracy,
    calibrated_confidence,
    fusion_weights,
    last_answers,
    majority_vote,
    marks_labels,
    marks_pattern,
)
from backend.kinds.models import built_in_model
from backend.kinds.ok_flag import accepts_ok
from backend.kinds.relabel import relabel_result
from backend.kinds.results import ItemShape, ResultInvalid, check_label, parse_strict
from quality import boxes
from quality import confidence as calibration

MAX_BOXES = 2000
# Browsers convert zoomed screen coordinates with float rounding; a box may touch the edge.
EDGE_TOLERANCE = 0.01


class Box(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1, max_length=64)
    x: float = Field(ge=0, allow_inf_nan=False)
    y: float = Field(ge=0, allow_inf_nan=False)
    w: float = Field(gt=0, allow_inf_nan=False)
    h: float = Field(gt=0, allow_inf_nan=False)


class BoxesResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    boxes: list[Box] = Field(max_length=MAX_BOXES)


def validate_boxes(result: Any, *, labels: Iterable[str], item: ItemShape) -> dict[str, Any]:
    parsed = parse_strict(BoxesResult, result)
    labels = set(labels)
    for i, box in enumerate(parsed.boxes):
        check_label(box.label, labels, ("boxes", i, "label"))
        if item.width is not None and box.x + box.w > item.width + EDGE_TOLERANCE:
            raise ResultInvalid(
                ("boxes", i, "w"),
                f"box reaches x={box.x + box.w:g}, past the image width {item.width}",
            )
        if item.height is not None and box.y + box.h > item.height + EDGE_TOLERANCE:
            raise ResultInvalid(
                ("boxes", i, "h"),
                f"box reaches y={box.y + box.h:g}, past the image height {item.height}",
            )
    return parsed.model_dump()


IOU = 0.5
BOX_FIELDS = ("label", "x", "y", "w", "h")


class BoxesConsensus(MarksConsensus):
    method = "weighted_box_fusion"
    needs_text = False
    label_field = None
    field = "boxes"

    def combine(
        self, marks: Mapping[int, list[dict[str, Any]]], weights: Mapping[int, float], text: Any
    ) -> list[dict[str, Any]]:
        fused = boxes.fuse_boxes(marks, weights, iou_threshold=IOU)  # weights: fusion_weights
        return [{k: box[k] for k in BOX_FIELDS} for box in fused]

    def infer(
        self,
        answers: AnswerTable,
        *,
        gold: Mapping[int, dict[str, Any]],
        labels: Sequence[str],
        weights: Mapping[int, float],
        texts: Mapping[int, str],
    ) -> Inferred:
        """Every image at once (``quality.boxes.fuse_boxes_batched``): the same boxes and
        per-answer scores as one ``combine`` + ``match`` per image, about 17x less CPU (20,000
        images × 3 answers: 17.3 s → 1.0 s, tests/benchmarks/results/polygons.md).

        Confidence: the lower of the answers' vote for the fused boxes (the generic marks
        confidence) and the probability that every kept box is real (each box's log-odds margin
        among the annotators who saw the image: ``quality.confidence.object_confidence``, and
        their product, ``objects_item_confidence``), so an image of five boxes is less certain
        than one of one box. Dropped candidates are left out of the product: they are mostly one
        annotator's stray box, which a single accuracy per annotator would count as a likely
        miss (on the simulator that made confidence too low: ECE 0.10-0.17 against 0.05)."""
        assert answers.results is not None
        box_answer, box_label, xywh, names = boxes.flatten_boxes(answers.results, self.field)
        users = answers.annotator.tolist()
        by_user = fusion_weights(weights)
        w = np.fromiter((by_user.get(u, 1.0) for u in users), dtype=np.float64, count=len(users))
        columns = {
            "answer_item": answers.item,
            "answer_weight": w,
            "box_answer": box_answer,
            "box_label": box_label,
            "box_xywh": xywh,
            "iou_threshold": IOU,
        }
        fused = boxes.fuse_boxes_batched(**columns)
        scores = fused.answer_score.tolist()
        accuracy = answer_accuracy(
            answer_item=answers.item,
            answer_user=users,
            answer_score=fused.answer_score,
            weights=weights,
        )
        voted = calibrated_confidence(
            answer_item=answers.item,
            answer_user=users,
            answer_score=fused.answer_score,
            weights=weights,
        )
        row = np.searchsorted(fused.items, answers.item)
        total = np.bincount(
            row, weights=calibration.vote_weights(accuracy), minlength=len(fused.items)
        )
        objects = calibration.object_confidence(np.nan_to_num(fused.share), total[fused.box_item])
        per_item = calibration.objects_item_confidence(
            fused.box_item, objects, np.ones(len(objects), dtype=bool), len(fused.items)
        )
        vote = np.asarray([voted[i] for i in fused.items.tolist()], dtype=np.float64)
        return Inferred(
            item=fused.items,
            results=[{self.field: found} for found in fused.results(names)],
            confidence=np.minimum(vote, per_item),
            n=fused.n_answers,
            own_scores=dict(
                zip(zip(answers.item.tolist(), users, strict=True), scores, strict=True)
            ),
        )

    def agreement(self, answers: AnswerTable, *, labels: Sequence[str]) -> dict[str, Any]:
        """Every image at once (``quality.boxes.batched_pairwise_agreement``): the figures of
        ``pairwise_box_agreement`` per image, overall and per label, each annotator's last
        answer to an image counted."""
        assert answers.results is not None
        if len(answers) < 2:
            return {"items_with_2plus": 0}
        rows = last_answers(answers.item, answers.annotator)
        box_answer, box_label, xywh, names = boxes.flatten_boxes(
            [answers.results[r] for r in rows.tolist()], self.field
        )
        found = boxes.batched_pairwise_agreement(
            answer_item=answers.item[rows],
            box_answer=box_answer,
            box_label=box_label,
            box_xywh=xywh,
            n_labels=len(names),
            iou_threshold=IOU,
        )
        if not len(found.items):
            return {"items_with_2plus": 0}
        code = {name: i for i, name in enumerate(names)}
        return {
            "items_with_2plus": len(found.items),
            "pairwise_f1": float(np.mean(found.f1)),
            "mean_iou": _nanmean(found.mean_iou()),
            "iou_threshold": IOU,
            "per_label": {
                label: _nanmean(found.label_f1[:, code[label]]) if label in code else None
                for label in labels
            },
        }

    def match(self, result: dict[str, Any], reference: dict[str, Any]) -> float:
        return float(boxes.box_f1(result["boxes"], reference["boxes"], IOU)["f1"])

    def match_many(
        self, results: Sequence[dict[str, Any]], references: Sequence[dict[str, Any]]
    ) -> NDArray[np.float64]:
        """``match`` of every pair at once (``quality.boxes.batched_box_f1``, equal to
        ``box_f1``): the annotator table scores gold answers and paused annotators' answers
        this way, 8,000 of them in 0.1 s instead of 5 s one by one."""
        return boxes.batched_box_f1(results, references, self.field, IOU)


def _nanmean(values: NDArray[np.float64]) -> float | None:
    finite = values[~np.isnan(values)]
    return float(np.mean(finite)) if len(finite) else None


def boxes_vote(results: Sequence[dict[str, Any]]) -> Vote:
    kept = boxes.majority_boxes([r["boxes"] for r in results], IOU)
    return majority_vote("boxes", kept, any(r["boxes"] for r in results))


BOXES = BoxesConsensus()
IMAGE_BOXES = Kind(
    name="image_boxes",
    media="image",
    validate=accepts_ok(validate_boxes, "boxes"),
    gold_score=BOXES.match,
    consensus=BOXES,
    fallback_vote=boxes_vote,
    labels_of=marks_labels("boxes"),
    label_pattern=marks_pattern("boxes"),
    formats=("coco", "yolo", "voc", "deeppcb", "raw_jsonl"),
    tool="boxes",
    needs_image_size=True,  # YOLO normalises by it, COCO and VOC state it
    rename_label=relabel_result,  # a merge keeps identical boxes once
    result_model=BoxesResult,
    example={"boxes": [{"label": "scratch", "x": 10.0, "y": 20.0, "w": 30.0, "h": 15.0}]},
    # three folds: every fold fits the sliding-window detector on every image again
    model=built_in_model("image_boxes", folds=3),
    paid_marks=("boxes", "per_box"),
    point_prompts=True,
)
