"""Box fusion of many images at once, from flat arrays: the results of ``fuse_boxes`` and
``box_f1`` for every image, without a Python loop per image.

The algorithm is ``fuse_boxes``'s (weighted box fusion, R. Solovyev, W. Wang and T. Gabruseva,
"Weighted boxes fusion: Ensembling boxes from different object detection models", Image and
Vision Computing 107:104117, 2021, https://doi.org/10.1016/j.imavis.2021.104117, with
annotators in place of models), run for all images in lock step: step ``s`` takes the ``s``-th
heaviest annotator of every image (ties in input order, as ``sorted`` keeps them) and matches
their boxes to the open clusters of the same image and label — all these small assignment
problems solved together by ``quality._assignment``. The arithmetic is the per-image code's,
operation for operation (the same IoU expression, the same order of the weighted sums), so the
fused boxes agree to the last bit and the matching decisions are the same; the only float that
may differ in the last place is a mean over the members of a cluster or over the answers of an
image (NumPy's pairwise sum against a running sum).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._assignment import assigned_pairs
from .._bulk import collector_paused
from .._ranges import expand

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]


@dataclass(frozen=True)
class FusedBoxes:
    """Fused boxes of every item, as columns.

    Per item (``items`` sorted): ``confidence`` (weighted mean of the answers' F1 against the
    fused boxes, NaN where the weights sum to 0), ``n_answers``. Per answer row:
    ``answer_score`` (its F1). Per fused box, grouped by item in ``fuse_boxes``' order:
    ``box_item`` (index into ``items``), ``label`` (code), ``xywh``, ``share`` (``fuse_boxes``'
    confidence: the supporting share of the weight), ``support``, ``mean_iou``.
    """

    items: I64
    confidence: F64
    n_answers: I64
    answer_score: F64
    box_item: I64
    label: I64
    xywh: F64
    share: F64
    support: I64
    mean_iou: F64

    def results(self, labels: Sequence[str], *, full: bool = False) -> list[list[dict[str, Any]]]:
        """Per item, the fused boxes as platform dicts (``label, x, y, w, h``; with
        ``confidence, support, mean_iou`` too when ``full``), as ``fuse_boxes`` returns them."""
        with collector_paused():
            return self._results(labels, full)

    def _results(self, labels: Sequence[str], full: bool) -> list[list[dict[str, Any]]]:
        out: list[list[dict[str, Any]]] = [[] for _ in range(len(self.items))]
        x, y, w, h = (self.xywh[:, k].tolist() for k in range(4))
        share, support, tight = self.share.tolist(), self.support.tolist(), self.mean_iou.tolist()
        for i, (item, code) in enumerate(
            zip(self.box_item.tolist(), self.label.tolist(), strict=True)
        ):
            box: dict[str, Any] = {
                "label": labels[code],
                "x": x[i],
                "y": y[i],
                "w": w[i],
                "h": h[i],
            }
            if full:
                box.update(confidence=share[i], support=support[i], mean_iou=tight[i])
            out[item].append(box)
        return out


def flatten_boxes(
    results: Sequence[Mapping[str, Any] | None], field: str = "boxes"
) -> tuple[I64, I64, F64, list[str]]:
    """``(box_answer, label_code, xywh, labels)`` of the boxes of every result (one result per
    answer; a result without ``field`` — ``{"ok": true}`` — has none). Codes index ``labels``
    sorted, so that ordering by code is ordering by label as ``fuse_boxes`` does."""
    with collector_paused():
        return _flatten_boxes(results, field)


def _flatten_boxes(
    results: Sequence[Mapping[str, Any] | None], field: str
) -> tuple[I64, I64, F64, list[str]]:
    boxes = [(r or {}).get(field) or [] for r in results]
    count = np.fromiter((len(b) for b in boxes), dtype=np.int64, count=len(boxes))
    flat = [b for bs in boxes for b in bs]
    labels = sorted({b["label"] for b in flat})
    code = {label: i for i, label in enumerate(labels)}
    xywh = np.fromiter(
        (v for b in flat for v in (b["x"], b["y"], b["w"], b["h"])),
        dtype=np.float64,
        count=4 * len(flat),
    ).reshape(-1, 4)
    label = np.fromiter((code[b["label"]] for b in flat), dtype=np.int64, count=len(flat))
    return np.repeat(np.arange(len(boxes), dtype=np.int64), count), label, xywh, labels


def iou_pairs(a: F64, b: F64) -> F64:
    """IoU of ``a[i]`` with ``b[i]`` (``(n, 4)`` xywh), the expression of ``iou_matrix``."""
    ax0, ay0 = a[:, 0], a[:, 1]
    ax1, ay1 = ax0 + a[:, 2], ay0 + a[:, 3]
    bx0, by0 = b[:, 0], b[:, 1]
    bx1, by1 = bx0 + b[:, 2], by0 + b[:, 3]
    iw = np.clip(np.minimum(ax1, bx1) - np.maximum(ax0, bx0), 0, None)
    ih = np.clip(np.minimum(ay1, by1) - np.maximum(ay0, by0), 0, None)
    inter = iw * ih
    area_a = np.clip(a[:, 2], 0, None) * np.clip(a[:, 3], 0, None)
    area_b = np.clip(b[:, 2], 0, None) * np.clip(b[:, 3], 0, None)
    union = area_a + area_b - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def _matched(
    row_join: I64,
    row_problem: I64,
    col_join: I64,
    rows_xywh: F64,
    cols_xywh: F64,
    iou_threshold: float,
) -> tuple[I64, I64, I64]:
    """Kept pairs of the optimal one-to-one matching of rows to columns of the same join key,
    one assignment problem per ``row_problem`` key (whose rows share a join key); rows and
    columns keep their input order inside a problem, as in the per-item code.

    Returns ``(row, col, problem key)`` of the kept pairs.
    """
    z = np.zeros(0, dtype=np.int64)
    if not len(row_join) or not len(col_join):
        return z, z.copy(), z.copy()
    r_order = np.argsort(row_problem, kind="stable")
    keys, r_first, r_count = np.unique(row_problem[r_order], return_index=True, return_counts=True)
    join = row_join[r_order][r_first]
    c_order = np.argsort(col_join, kind="stable")
    c_sorted = col_join[c_order]
    c_lo = np.searchsorted(c_sorted, join, side="left")
    c_count = np.searchsorted(c_sorted, join, side="right") - c_lo
    problem_of_row = np.repeat(np.arange(len(keys), dtype=np.int64), r_count)
    rank_row = np.arange(len(r_order), dtype=np.int64) - r_first[problem_of_row]
    owner, rank_col = expand(np.zeros(len(r_order), dtype=np.int64), c_count[problem_of_row])
    problem = problem_of_row[owner]
    rows = r_order[owner]
    cols = c_order[c_lo[problem] + rank_col]
    value = iou_pairs(rows_xywh[rows], cols_xywh[cols])
    p, rr, cc, _ = assigned_pairs(
        problem, rank_row[owner], rank_col, value, r_count, c_count, threshold=iou_threshold
    )
    return r_order[r_first[p] + rr], c_order[c_lo[p] + cc], keys[p]


def _steps(item_of: I64, weight: F64) -> I64:
    """Rank of each answer in its item by decreasing weight, ties in input order — the order
    in which ``fuse_boxes`` takes annotators (``sorted`` is stable)."""
    n = len(item_of)
    order = np.lexsort((np.arange(n), -weight, item_of))
    first = np.searchsorted(item_of[order], item_of[order], side="left")
    step = np.empty(n, dtype=np.int64)
    step[order] = np.arange(n) - first
    return step


def fuse_boxes_batched(
    *,
    answer_item: I64,
    answer_weight: F64,
    box_answer: I64,
    box_label: I64,
    box_xywh: F64,
    iou_threshold: float = 0.5,
    quorum: float = 0.5,
) -> FusedBoxes:
    """``fuse_boxes`` of every item and each answer's ``box_f1`` against its item's fused boxes.

    One row per answer (an item's annotator): ``answer_item``, ``answer_weight`` (the
    annotator's reliability; ``fuse_boxes`` skips the boxes of weights <= 0). One row per box:
    ``box_answer`` (row of its answer), ``box_label`` (code; codes must sort as the label
    strings do, see ``flatten_boxes``), ``box_xywh``. An answer without boxes is a row with no
    box. Equal to the per-item code (``fuse_boxes``, then ``box_f1`` of each answer, then the
    weighted mean of those F1 as the item's confidence) to 1e-9, with NaN where that mean's
    weights sum to 0 (``np.average`` raises there).

    Example:
        >>> fused = fuse_boxes_batched(
        ...     answer_item=np.array([5, 5, 5]), answer_weight=np.array([1.0, 1.0, 1.0]),
        ...     box_answer=np.array([0, 1]), box_label=np.array([0, 0]),
        ...     box_xywh=np.array([[0.0, 0, 10, 10], [2, 0, 10, 10]]))
        >>> fused.results(["dent"])
        [[{'label': 'dent', 'x': 1.0, 'y': 0.0, 'w': 10.0, 'h': 10.0}]]
        >>> fused.answer_score.round(3).tolist(), round(float(fused.confidence[0]), 3)
        ([1.0, 1.0, 0.0], 0.667)
    """
    n_ans = len(answer_item)
    items, item_of = np.unique(np.asarray(answer_item, dtype=np.int64), return_inverse=True)
    item_of = item_of.astype(np.int64)
    n_items = len(items)
    w = np.asarray(answer_weight, dtype=np.float64)
    xy = np.asarray(box_xywh, dtype=np.float64).reshape(-1, 4)
    box_answer = np.asarray(box_answer, dtype=np.int64)
    box_label = np.asarray(box_label, dtype=np.int64)
    n_labels = int(box_label.max()) + 1 if len(box_label) else 1
    total = np.bincount(item_of, weights=np.maximum(w, 0.0), minlength=n_items)
    step = _steps(item_of, w)
    active = ((w > 0) & (total[item_of] > 0))[box_answer]
    box_step = step[box_answer]
    box_w = w[box_answer]
    box_key = item_of[box_answer] * n_labels + box_label

    # clusters, in creation order; members (cluster, box) for the tightness
    c_key = np.zeros(0, dtype=np.int64)
    c_sum = np.zeros((0, 4))
    c_weight = np.zeros(0)
    c_support = np.zeros(0, dtype=np.int64)
    m_cluster, m_box = [], []
    for s in range(int(step.max()) + 1 if n_ans else 0):
        bs = np.flatnonzero(active & (box_step == s))
        if not len(bs):
            continue
        taken = np.zeros(len(bs), dtype=bool)
        if len(c_key):
            centres = c_sum / c_weight[:, None]
            rows, cols, _ = _matched(
                box_key[bs], box_key[bs], c_key, xy[bs], centres, iou_threshold
            )
            b = bs[rows]
            c_sum[cols] = c_sum[cols] + box_w[b, None] * xy[b]
            c_weight[cols] += box_w[b]
            c_support[cols] += 1
            m_cluster.append(cols)
            m_box.append(b)
            taken[rows] = True
        new = bs[~taken]
        m_cluster.append(len(c_key) + np.arange(len(new), dtype=np.int64))
        m_box.append(new)
        c_key = np.r_[c_key, box_key[new]]
        c_sum = np.concatenate([c_sum, box_w[new, None] * xy[new]])
        c_weight = np.r_[c_weight, box_w[new]]
        c_support = np.r_[c_support, np.ones(len(new), dtype=np.int64)]

    c_item = c_key // n_labels
    share = c_weight / total[c_item] if len(c_key) else c_weight
    kept = np.flatnonzero(~(share + 1e-12 < quorum))
    fused_all = c_sum / c_weight[:, None] if len(c_key) else c_sum
    members_c = np.concatenate(m_cluster) if m_cluster else np.zeros(0, dtype=np.int64)
    members_b = np.concatenate(m_box) if m_box else np.zeros(0, dtype=np.int64)
    tight = iou_pairs(xy[members_b], fused_all[members_c])
    mean_iou = np.bincount(members_c, weights=tight, minlength=len(c_key)) / np.maximum(
        c_support, 1
    )
    label = c_key % n_labels
    order = kept[
        np.lexsort(
            (kept, fused_all[kept, 0], fused_all[kept, 1], label[kept], -share[kept], c_item[kept])
        )
    ]

    # every answer's F1 against its item's fused boxes, and the items' confidence
    f_key = c_key[order]
    rows, _, problem = _matched(
        box_key, box_answer * n_labels + box_label, f_key, xy, fused_all[order], iou_threshold
    )
    matches = np.bincount(problem // n_labels, minlength=n_ans)
    n_own = np.bincount(box_answer, minlength=n_ans)
    n_fused = np.bincount(c_item[order], minlength=n_items)[item_of]
    denominator = n_own + n_fused
    score = np.where(denominator > 0, 2 * matches / np.maximum(denominator, 1), 1.0)
    weight_sum = np.bincount(item_of, weights=w, minlength=n_items)
    with np.errstate(invalid="ignore", divide="ignore"):
        confidence = np.bincount(item_of, weights=w * score, minlength=n_items) / weight_sum
    confidence[weight_sum == 0] = np.nan
    del rows
    return FusedBoxes(
        items=items.astype(np.int64),
        confidence=confidence,
        n_answers=np.bincount(item_of, minlength=n_items).astype(np.int64),
        answer_score=score,
        box_item=c_item[order],
        label=label[order],
        xywh=fused_all[order],
        share=share[order],
        support=c_support[order],
        mean_iou=mean_iou[order],
    )
