"""Pairwise agreement of many images at once: the answer pairs of every image and the one-to-one
matching of their marks (boxes, polygons) from the overlapping pairs alone.

Why the optimal assignment can mostly be skipped: the per-pair code matches the marks of two
answers per label with the Hungarian algorithm maximising the total IoU (H. W. Kuhn, Naval
Research Logistics Quarterly 2:83-97, 1955, https://doi.org/10.1002/nav.3800020109), then drops
pairs below the threshold. When, within a pair of answers and a label, no mark overlaps more than
one mark of the other answer, the positive entries of the IoU matrix form a matching and the
optimum takes them all: the matches are the ones at or above the threshold. Only the groups where
some mark overlaps two or more marks of the other answer are solved one by one (zero rows and
columns left out, which changes neither the optimum nor its positive entries but for ties).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from ._ranges import expand

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]


@dataclass(frozen=True)
class AnswerPairs:
    """Every pair ``(a, b)`` of answers of one image (rows, a before b in item order), with the
    index of its image among ``items``: the images holding two or more answers, sorted."""

    items: I64
    a: I64
    b: I64
    item_of_pair: I64

    def __len__(self) -> int:
        return len(self.a)


def answer_pairs(answer_item: I64) -> AnswerPairs:
    order = np.argsort(answer_item, kind="stable")
    items, first, count = np.unique(answer_item[order], return_index=True, return_counts=True)
    rank = np.arange(len(order)) - np.repeat(first, count)
    a_pos, b_pos = expand(np.arange(len(order)) + 1, np.repeat(count, count) - rank - 1)
    many = count >= 2
    dense = np.cumsum(many) - 1
    item_of_pair = dense[np.repeat(np.arange(len(items)), count)[a_pos]]
    return AnswerPairs(items[many].astype(np.int64), order[a_pos], order[b_pos], item_of_pair)


@dataclass(frozen=True)
class PairMatches:
    """``matches`` per (answer pair, label) and the IoU of every match with its pair."""

    matches: I64  # pairs x labels
    pair: I64
    iou: F64


def match_overlapping(
    *,
    pair: I64,
    label: I64,
    i: I64,
    j: I64,
    iou: F64,
    n_pairs: int,
    n_labels: int,
    threshold: float,
) -> PairMatches:
    """Matches of every (answer pair, label) from its overlapping mark pairs: ``pair``, ``label``,
    marks ``i`` (of the pair's first answer) and ``j`` (of its second) and their ``iou`` > 0."""
    lab = max(n_labels, 1)
    group = pair * lab + label
    span = int(max(i.max(initial=0), j.max(initial=0))) + 1
    _, i_seen = np.unique(pair * span + i, return_inverse=True)
    _, j_seen = np.unique(pair * span + j, return_inverse=True)
    crowded = (np.bincount(i_seen)[i_seen] > 1) | (np.bincount(j_seen)[j_seen] > 1)
    hard_groups = np.unique(group[crowded])
    hard = np.isin(group, hard_groups)
    easy = ~hard & (iou >= threshold)
    matches = np.bincount(group[easy], minlength=n_pairs * lab).astype(np.int64)
    pairs, ious = [pair[easy]], [iou[easy]]
    if len(hard_groups):
        order = np.argsort(group[hard], kind="stable")
        g, gi, gj, gv = group[hard][order], i[hard][order], j[hard][order], iou[hard][order]
        bounds = np.r_[0, np.flatnonzero(np.diff(g)) + 1, len(g)]
        for s, e in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            rows, r = np.unique(gi[s:e], return_inverse=True)
            cols, c = np.unique(gj[s:e], return_inverse=True)
            sub = np.zeros((len(rows), len(cols)))
            sub[r, c] = gv[s:e]
            picked_r, picked_c = linear_sum_assignment(sub, maximize=True)
            got = sub[picked_r, picked_c]
            got = got[(got >= threshold) & (got > 0)]
            matches[int(g[s])] += len(got)
            pairs.append(np.full(len(got), int(g[s]) // lab, dtype=np.int64))
            ious.append(got)
    return PairMatches(matches.reshape(n_pairs, lab), np.concatenate(pairs), np.concatenate(ious))


def f1_of(m: NDArray[np.integer], na: NDArray[np.integer], nb: NDArray[np.integer]) -> F64:
    """``2 m / (na + nb)``, and 1 where both are empty (nothing to mark, twice)."""
    total = na + nb
    return np.where(total > 0, 2 * m / np.maximum(total, 1), 1.0)


def per_item_figures(
    *,
    pairs: AnswerPairs,
    matched: PairMatches,
    pair_f1: F64,
    label_pair_f1: F64,
    label_present: NDArray[np.bool_],
) -> tuple[F64, F64, I64, F64]:
    """Per image: mean pairwise F1, matched IoU sum and count, and per label the mean pairwise
    F1 on that label alone (NaN where no answer has the label)."""
    n_items = len(pairs.items)
    n_per_item = np.maximum(np.bincount(pairs.item_of_pair, minlength=n_items), 1)
    f1 = (np.bincount(pairs.item_of_pair, weights=pair_f1, minlength=n_items) / n_per_item).astype(
        np.float64
    )
    at = pairs.item_of_pair[matched.pair]
    iou_sum = np.bincount(at, weights=matched.iou, minlength=n_items).astype(np.float64)
    iou_count = np.bincount(at, minlength=n_items).astype(np.int64)
    label_f1: F64 = np.zeros((n_items, label_pair_f1.shape[1]), dtype=np.float64)
    np.add.at(label_f1, pairs.item_of_pair, label_pair_f1)
    label_f1 /= n_per_item[:, None]
    label_f1[~label_present] = np.nan
    return f1, iou_sum, iou_count, label_f1


def labels_present(pairs: AnswerPairs, per_answer_label: I64) -> NDArray[np.bool_]:
    """Images x labels: whether any answer of the image has a mark of the label."""
    n_items = len(pairs.items)
    holder = np.full(len(per_answer_label), -1, dtype=np.int64)
    holder[pairs.a], holder[pairs.b] = pairs.item_of_pair, pairs.item_of_pair
    present = np.zeros((n_items, per_answer_label.shape[1]), dtype=bool)
    rows = holder >= 0
    np.logical_or.at(present, holder[rows], per_answer_label[rows] > 0)
    return present
