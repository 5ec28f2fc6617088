"""Pairwise polygon agreement of many images at once: ``pairwise_polygon_agreement`` for every
image, overall and per label, without a Python loop per image or per pair.

Every polygon is rasterised once (COCO's pixels, ``_raster``), its pixels as column runs on the
lines of its (image, label) group; runs of one group and column that overlap are joined by a
sort and a binary search, which gives the pixels every two polygons of different answers share,
hence their mask IoU (equal to ``iou_matrix``'s). The matching and F1 per pair of answers follow
``quality._pairwise`` (the Hungarian step only where a polygon overlaps several of the other
answer's). Two answers without polygons agree when their OK/NG flags do (``score_polygons``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
from ..boxes.agreement import BatchedAgreement
from ._raster import polygon_runs
from ._table import PolygonTable

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]


def _shared_pixels(table: PolygonTable, group: I64) -> tuple[I64, I64, I64, F64]:
    """``(p, q, shared, area)``: pixels shared by every two polygons ``p < q`` of one group
    that overlap, and every polygon's area."""
    n_poly = table.n_polygons
    height = int(np.ceil(np.nanmax(table.xy[:, 1], initial=0.0))) + 1
    width = int(np.ceil(np.nanmax(table.xy[:, 0], initial=0.0))) + 1
    size = np.ones(n_poly, dtype=np.int64)
    runs, lines = polygon_runs(
        table.xy,
        table.ring_offsets,
        table.ring_polygon,
        table.ring_hole,
        n_poly,
        size * height,
        size * width,
    )
    owner = np.repeat(np.arange(n_poly, dtype=np.int64), np.diff(np.r_[lines.base, lines.total]))
    run_poly = owner[runs.line]
    area = np.bincount(run_poly, weights=runs.length, minlength=n_poly)
    col = lines.col_of(runs.line, run_poly)
    span = height + 1
    key = (group[run_poly] * (width + 1) + col) * span
    order = np.lexsort((runs.start, key))
    start_key = key[order] + runs.start[order]
    end_key = key[order] + runs.end[order]
    hi = np.searchsorted(start_key, end_key, side="left")
    r, s = expand(np.arange(len(order)) + 1, np.maximum(hi - np.arange(len(order)) - 1, 0))
    shared = np.minimum(end_key[r], end_key[s]) - start_key[s]
    p, q = run_poly[order[r]], run_poly[order[s]]
    keep = (shared > 0) & (p != q)
    p, q, shared = np.minimum(p, q)[keep], np.maximum(p, q)[keep], shared[keep]
    pq, at = np.unique(p * n_poly + q, return_inverse=True)
    total = np.bincount(at, weights=shared).astype(np.int64)
    return (
        (pq // n_poly).astype(np.int64),
        (pq % n_poly).astype(np.int64),
        total,
        area.astype(np.float64),
    )


def batched_polygon_agreement(
    table: PolygonTable, *, iou_threshold: float = 0.5
) -> BatchedAgreement:
    """Pairwise agreement of every image of ``table`` (one row per answer)."""
    n_answers = table.n_answers
    pairs = answer_pairs(table.answer_item)
    lab = max(len(table.labels), 1)
    _, item_code = np.unique(table.answer_item, return_inverse=True)
    poly_answer, poly_label = table.polygon_answer, table.polygon_label
    group = item_code.astype(np.int64)[poly_answer] * lab + poly_label
    p, q, shared, area = _shared_pixels(table, group)
    ans_p, ans_q = poly_answer[p], poly_answer[q]
    other = ans_p != ans_q
    p, q, shared, ans_p, ans_q = p[other], q[other], shared[other], ans_p[other], ans_q[other]
    # orient each overlap as (polygon of the pair's first answer, of its second)
    swap = ans_p > ans_q
    i, j = np.where(swap, q, p), np.where(swap, p, q)
    a, b = poly_answer[i], poly_answer[j]
    keys = pairs.a * n_answers + pairs.b
    order = np.argsort(keys)
    pair = order[np.searchsorted(keys[order], a * n_answers + b)]
    iou = shared / (area[i] + area[j] - shared)
    matched = match_overlapping(
        pair=pair,
        label=poly_label[i],
        i=i,
        j=j,
        iou=iou,
        n_pairs=len(pairs),
        n_labels=lab,
        threshold=iou_threshold,
    )
    per_label = np.zeros((n_answers, lab), dtype=np.int64)
    np.add.at(per_label, (poly_answer, poly_label), 1)
    na, nb = per_label[pairs.a], per_label[pairs.b]
    n_a, n_b = na.sum(axis=1), nb.sum(axis=1)
    has = np.bincount(poly_answer, minlength=n_answers) > 0
    ok = np.where(table.answer_ok >= 0, table.answer_ok == 1, ~has)
    pair_f1 = np.where(
        n_a + n_b > 0,
        2 * matched.matches.sum(axis=1) / np.maximum(n_a + n_b, 1),
        (ok[pairs.a] == ok[pairs.b]).astype(float),
    )
    f1, iou_sum, iou_count, label_f1 = per_item_figures(
        pairs=pairs,
        matched=matched,
        pair_f1=pair_f1,
        label_pair_f1=f1_of(matched.matches, na, nb),
        label_present=labels_present(pairs, per_label),
    )
    return BatchedAgreement(pairs.items, f1, iou_sum, iou_count, label_f1)


def batched_score_polygons(
    results: Sequence[Mapping[str, Any] | None],
    references: Sequence[Mapping[str, Any] | None],
    *,
    iou_threshold: float = 0.5,
) -> F64:
    """``score_polygons(results[k], references[k])`` for every k at once.

    Each (answer, reference) pair is an image of two answers for
    ``batched_polygon_agreement``, whose pairwise F1 is that pair's score (same pixels, same
    optimal matching, OK/NG flags when neither has polygons). Used where many answers are
    scored against known results: gold answers, paused annotators' answers.

    Example:
        >>> sq = {"label": "dent", "points": [[0, 0], [4, 0], [4, 4], [0, 4]]}
        >>> batched_score_polygons([{"polygons": [sq]}, {"ok": True}],
        ...                        [{"polygons": [sq, {**sq, "label": "x"}]}, {"polygons": []}])
        array([0.66666667, 1.        ])
    """
    n = len(results)
    if len(references) != n:
        raise ValueError("one reference per result")
    if not n:
        return np.zeros(0, dtype=np.float64)
    interleaved = [r for pair in zip(results, references, strict=True) for r in pair]
    table = PolygonTable.from_results(interleaved, items=np.repeat(np.arange(n), 2))
    return batched_polygon_agreement(table, iou_threshold=iou_threshold).f1
