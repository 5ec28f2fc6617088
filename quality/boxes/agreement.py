"""Pairwise box agreement of many images at once: ``pairwise_box_agreement`` for every image,
overall and per label, without a Python loop per image.

For every image with two or more answers and every pair of its answers, the F1 of their boxes at
an IoU threshold after the optimal one-to-one matching per label (``match_boxes``), computed from
the overlapping box pairs alone (``quality._pairwise``: only groups where a box overlaps several
boxes of the other answer need the Hungarian algorithm). The figures equal the per-image code's
up to the order of floating-point sums (and ties of the assignment).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._pairwise import (
    answer_pairs,
    f1_of,
    labels_present,
    match_overlapping,
    per_item_figures,
)
from .._ranges import expand
from .batched import flatten_boxes, iou_pairs

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]


@dataclass(frozen=True)
class BatchedAgreement:
    """Per image with two or more answers (``items`` sorted): ``f1`` (mean pairwise F1),
    ``iou_sum`` and ``iou_count`` of the matched pairs; ``label_f1`` (items × labels): the mean
    pairwise F1 on that label's marks alone, NaN where no answer of the image has the label."""

    items: I64
    f1: F64
    iou_sum: F64
    iou_count: I64
    label_f1: F64

    def mean_iou(self) -> F64:
        """Mean matched IoU of each image (NaN without matches)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.iou_count > 0, self.iou_sum / self.iou_count, np.nan)


def batched_pairwise_agreement(
    *,
    answer_item: I64,
    box_answer: I64,
    box_label: I64,
    box_xywh: F64,
    n_labels: int,
    iou_threshold: float = 0.5,
) -> BatchedAgreement:
    """Pairwise agreement of every image; answers are rows (``answer_item[r]`` is row r's image),
    boxes belong to rows (``box_answer``), labels are codes below ``n_labels``."""
    n_answers = len(answer_item)
    pairs = answer_pairs(np.asarray(answer_item, dtype=np.int64))
    lab = max(n_labels, 1)
    box_order = np.argsort(box_answer, kind="stable")
    n_box = np.bincount(box_answer, minlength=n_answers)
    first_box = np.cumsum(n_box) - n_box
    per_label = np.zeros((n_answers, lab), dtype=np.int64)
    np.add.at(per_label, (box_answer, box_label), 1)

    # every same-label box pair of every answer pair, kept where the boxes overlap
    nb = n_box[pairs.b]
    pair, k = expand(np.zeros(len(pairs), dtype=np.int64), n_box[pairs.a] * nb)
    i = box_order[first_box[pairs.a][pair] + k // np.maximum(nb[pair], 1)]
    j = box_order[first_box[pairs.b][pair] + k % np.maximum(nb[pair], 1)]
    same = box_label[i] == box_label[j]
    pair, i, j = pair[same], i[same], j[same]
    iou = iou_pairs(box_xywh[i], box_xywh[j])
    keep = iou > 0
    matched = match_overlapping(
        pair=pair[keep],
        label=box_label[i[keep]],
        i=i[keep],
        j=j[keep],
        iou=iou[keep],
        n_pairs=len(pairs),
        n_labels=lab,
        threshold=iou_threshold,
    )
    na, nb_l = per_label[pairs.a], per_label[pairs.b]
    f1, iou_sum, iou_count, label_f1 = per_item_figures(
        pairs=pairs,
        matched=matched,
        pair_f1=f1_of(matched.matches.sum(axis=1), na.sum(axis=1), nb_l.sum(axis=1)),
        label_pair_f1=f1_of(matched.matches, na, nb_l),
        label_present=labels_present(pairs, per_label),
    )
    return BatchedAgreement(pairs.items, f1, iou_sum, iou_count, label_f1)


def batched_box_f1(
    results: Sequence[Mapping[str, Any] | None],
    references: Sequence[Mapping[str, Any] | None],
    field: str = "boxes",
    iou_threshold: float = 0.5,
) -> F64:
    """``box_f1(results[k][field], references[k][field])["f1"]`` for every k at once.

    Each (answer, reference) pair is an image of two answers for ``batched_pairwise_agreement``,
    whose pairwise F1 is then that pair's F1 (same optimal matching per label, both empty: 1).
    Used where many answers are scored against known boxes: gold answers, and the answers of
    paused annotators against the consensus they were left out of.

    Example:
        >>> a = {"boxes": [{"label": "dent", "x": 0, "y": 0, "w": 10, "h": 10}]}
        >>> b = {"boxes": [{"label": "dent", "x": 1, "y": 0, "w": 10, "h": 10},
        ...                {"label": "dent", "x": 50, "y": 50, "w": 5, "h": 5}]}
        >>> batched_box_f1([a, a, {"ok": True}], [b, a, {"boxes": []}]).round(4).tolist()
        [0.6667, 1.0, 1.0]
    """
    n = len(results)
    if len(references) != n:
        raise ValueError("one reference per result")
    if not n:
        return np.zeros(0, dtype=np.float64)
    interleaved = [r for pair in zip(results, references, strict=True) for r in pair]
    box_answer, box_label, xywh, labels = flatten_boxes(interleaved, field)
    found = batched_pairwise_agreement(
        answer_item=np.repeat(np.arange(n, dtype=np.int64), 2),
        box_answer=box_answer,
        box_label=box_label,
        box_xywh=xywh,
        n_labels=len(labels),
        iou_threshold=iou_threshold,
    )
    return found.f1
