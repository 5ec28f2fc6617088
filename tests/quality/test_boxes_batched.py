"""Batched box fusion: the same fused boxes, F1 scores and confidences as the per-item code
(``fuse_boxes``, then ``box_f1`` of each answer, then their weighted mean), and the batched
assignment solver against scipy's ``linear_sum_assignment``."""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import linear_sum_assignment

from quality._assignment import assigned_pairs
from quality.boxes import box_f1, flatten_boxes, fuse_boxes, fuse_boxes_batched

LABELS = ["dent", "scratch", "stain"]
FIELDS = ("label", "x", "y", "w", "h")


def per_item(answers: list, weights: dict) -> dict:
    """What the consensus recompute does today, item by item."""
    grouped: dict = {}
    for item, user, result in answers:
        grouped.setdefault(item, {})[user] = result["boxes"]
    out = {}
    for item, by_user in grouped.items():
        fused = fuse_boxes(by_user, weights, iou_threshold=0.5)
        plain = [{k: b[k] for k in FIELDS} for b in fused]
        scores = [box_f1(own, plain, 0.5)["f1"] for own in by_user.values()]
        w = [weights.get(u, 1.0) for u in by_user]
        confidence = float(np.average(scores, weights=w)) if sum(w) != 0 else math.nan
        out[item] = (fused, confidence, dict(zip(by_user, scores, strict=True)))
    return out


def batched(answers: list, weights: dict):
    box_answer, label, xywh, labels = flatten_boxes([a[2] for a in answers])
    fused = fuse_boxes_batched(
        answer_item=np.array([a[0] for a in answers]),
        answer_weight=np.array([weights.get(a[1], 1.0) for a in answers]),
        box_answer=box_answer,
        box_label=label,
        box_xywh=xywh,
    )
    return fused, labels


def crowd(rng: np.random.Generator, n_items: int, *, integer: bool, crowded: bool) -> list:
    answers = []
    for item in range(n_items):
        n_obj = int(rng.integers(0, 9 if crowded else 6))
        spread = 60 if crowded else 400
        truth = [
            (str(rng.choice(LABELS)), *rng.uniform(0, spread, 2), *rng.uniform(10, 80, 2))
            for _ in range(n_obj)
        ]
        for user in rng.choice(12, size=int(rng.integers(1, 6)), replace=False).tolist():
            boxes = []
            for lab, x, y, w, h in truth:
                if rng.random() < 0.15:
                    continue
                j = rng.normal(0, 6 if crowded else 4, 4)
                lab = lab if rng.random() > 0.1 else str(rng.choice(LABELS))
                box = [x + j[0], y + j[1], max(w + j[2], 0.0), max(h + j[3], 0.0)]
                if integer:
                    box = [float(round(v)) for v in box]
                boxes.append(dict(zip(FIELDS, [lab, *box], strict=True)))
            if rng.random() < 0.2:
                boxes.append({"label": "dent", "x": 400.0, "y": 300.0, "w": 50.0, "h": 40.0})
            answers.append((item, user, {"boxes": boxes}))
    return answers


def assert_same(answers: list, weights: dict) -> int:
    want = per_item(answers, weights)
    fused, labels = batched(answers, weights)
    got = fused.results(labels, full=True)
    for k, item in enumerate(fused.items.tolist()):
        boxes, confidence, scores = want[item]
        assert len(boxes) == len(got[k]), item
        for a, b in zip(boxes, got[k], strict=True):
            assert a["label"] == b["label"] and a["support"] == b["support"], item
            for key in ("x", "y", "w", "h", "confidence", "mean_iou"):
                assert abs(a[key] - b[key]) <= 1e-9, (item, key)
        if math.isnan(confidence):
            assert math.isnan(fused.confidence[k])
        else:
            assert abs(confidence - fused.confidence[k]) <= 1e-9, item
        assert fused.n_answers[k] == len(scores)
    for row, (item, user, _) in enumerate(answers):
        assert abs(want[item][2][user] - fused.answer_score[row]) <= 1e-9, (item, user)
    return len(fused.label)


def test_equal_to_the_per_item_code_on_random_crowds() -> None:
    rng = np.random.default_rng(20)
    for integer in (False, True):
        for crowded in (False, True):
            answers = crowd(rng, 400, integer=integer, crowded=crowded)
            # ties, zero and negative weights, and annotators missing from the mapping
            weights = {u: float(rng.choice([0.5, 0.7, 0.7, 1.0, 0.0, -0.2])) for u in range(10)}
            assert assert_same(answers, weights) > 100


def test_hand_case_and_order() -> None:
    answers = [
        (7, "a", {"boxes": [{"label": "dent", "x": 0, "y": 0, "w": 10, "h": 10}]}),
        (7, "b", {"boxes": [{"label": "dent", "x": 2, "y": 0, "w": 10, "h": 10}]}),
        (7, "c", {"ok": True}),
        (3, "a", {"boxes": []}),
    ]
    fused, labels = batched([(i, u, r) for i, u, r in answers], {})
    assert fused.items.tolist() == [3, 7]
    assert fused.results(labels) == [
        [],
        [{"label": "dent", "x": 1.0, "y": 0.0, "w": 10.0, "h": 10.0}],
    ]
    assert abs(fused.share[0] - 2 / 3) < 1e-12 and fused.support.tolist() == [2]
    assert abs(fused.mean_iou[0] - 90 / 110) < 1e-12
    assert fused.answer_score.tolist() == [1.0, 1.0, 0.0, 1.0]
    assert abs(fused.confidence[1] - 2 / 3) < 1e-12 and fused.confidence[0] == 1.0


def test_empty_input() -> None:
    fused = fuse_boxes_batched(
        answer_item=np.zeros(0, np.int64),
        answer_weight=np.zeros(0),
        box_answer=np.zeros(0, np.int64),
        box_label=np.zeros(0, np.int64),
        box_xywh=np.zeros((0, 4)),
    )
    assert len(fused.items) == 0 and len(fused.label) == 0 and fused.results([]) == []


def test_assignment_solver_keeps_scipys_pairs_with_ties() -> None:
    rng = np.random.default_rng(21)
    n = 2000
    rows, cols = rng.integers(0, 7, n), rng.integers(0, 7, n)
    cells = []
    want = set()
    for p in range(n):
        m = rng.random((rows[p], cols[p]))
        m[m < 0.4] = 0
        if p % 2:
            m = np.round(m, 1)  # many exact ties
        r, c = np.nonzero(np.ones_like(m))
        cells.append((np.full(len(r), p), r, c, m[r, c]))
        if m.size:
            rr, cc = linear_sum_assignment(m, maximize=True)
            want |= {
                (p, a, b) for a, b in zip(rr.tolist(), cc.tolist(), strict=True) if m[a, b] >= 0.5
            }
    p, r, c, v = assigned_pairs(
        *(np.concatenate(x) for x in zip(*cells, strict=True)), rows, cols, threshold=0.5
    )
    assert set(zip(p.tolist(), r.tolist(), c.tolist(), strict=True)) == want
    assert np.all(v >= 0.5)
    empty = assigned_pairs(*(np.zeros(0, np.int64),) * 3, np.zeros(0), rows, cols, threshold=0.5)
    assert all(len(x) == 0 for x in empty)
