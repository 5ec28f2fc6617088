"""Boxes: IoU, Hungarian matching, F1 at an IoU threshold and reliability-weighted fusion."""

from __future__ import annotations

import math

import numpy as np

from quality.boxes import box_f1, fuse_boxes, iou, iou_matrix, match_boxes, pairwise_box_agreement


def box(label: str, x: float, y: float, w: float, h: float) -> dict:
    return {"label": label, "x": x, "y": y, "w": w, "h": h}


def test_iou_hand_computed() -> None:
    assert iou(box("a", 0, 0, 10, 10), box("a", 0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (5, 0, 10, 10)) == 50 / 150
    assert iou((0, 0, 10, 10), (5, 5, 10, 10)) == 25 / 175
    assert iou((0, 0, 10, 10), (10, 0, 5, 5)) == 0.0  # touching edges
    assert iou((0, 0, 0, 0), (0, 0, 0, 0)) == 0.0  # degenerate
    m = iou_matrix(np.array([[0, 0, 2, 2], [1, 1, 2, 2]]), np.array([[0, 0, 2, 2]]))
    assert m.shape == (2, 1) and np.allclose(m[:, 0], [1.0, 1 / 7])


def test_hungarian_beats_greedy() -> None:
    # greedy would pair a0-b0 (IoU .67) and leave a1 unmatched; optimal pairs both at >= .5
    a = [box("p", 0, 0, 10, 10), box("p", 4, 0, 10, 10)]
    b = [box("p", 2, 0, 10, 10), box("p", 6, 0, 10, 10)]
    matches = match_boxes(a, b, iou_threshold=0.5)
    assert [(i, j) for i, j, _ in matches] == [(0, 0), (1, 1)]
    assert all(v >= 0.5 for _, _, v in matches)


def test_matching_is_per_label() -> None:
    a = [box("dent", 0, 0, 10, 10)]
    b = [box("scratch", 0, 0, 10, 10)]
    assert match_boxes(a, b) == []
    assert box_f1(a, b)["f1"] == 0.0


def test_box_f1_hand_computed() -> None:
    a = [box("d", 0, 0, 10, 10), box("d", 50, 50, 10, 10), box("s", 0, 0, 4, 4)]
    b = [box("d", 1, 0, 10, 10), box("s", 0, 0, 4, 4)]
    r = box_f1(a, b, iou_threshold=0.5)
    assert r["matches"] == 2 and r["f1"] == 2 * 2 / 5
    assert r["precision"] == 2 / 3 and r["recall"] == 1.0
    assert abs(r["mean_iou"] - (90 / 110 + 1.0) / 2) < 1e-12
    assert box_f1([], [])["f1"] == 1.0  # both say "nothing to label"
    assert box_f1([], b)["f1"] == 0.0
    assert box_f1(a, b, iou_threshold=0.95)["matches"] == 1


def test_pairwise_agreement() -> None:
    r = pairwise_box_agreement(
        {"a": [box("d", 0, 0, 10, 10)], "b": [box("d", 0, 0, 10, 10)], "c": [box("d", 0, 0, 10, 5)]}
    )
    assert r["pairs"] == 3 and r["f1"] == 1.0 and abs(r["mean_iou"] - (1 + 0.5 + 0.5) / 3) < 1e-12
    assert math.isnan(pairwise_box_agreement({"a": []})["f1"])


def test_fusion_weighted_mean_quorum_and_confidence() -> None:
    annotations = {
        "expert": [box("dent", 10, 10, 20, 20), box("scratch", 100, 100, 5, 5)],
        "novice": [box("dent", 14, 10, 20, 20)],
        "other": [box("dent", 12, 10, 20, 20), box("dent", 300, 300, 8, 8)],
    }
    weights = {"expert": 3.0, "novice": 1.0, "other": 1.0}
    fused = fuse_boxes(annotations, weights, iou_threshold=0.5, quorum=0.5)
    assert len(fused) == 2
    dent = next(f for f in fused if f["label"] == "dent")
    assert abs(dent["x"] - (3 * 10 + 14 + 12) / 5) < 1e-12 and dent["y"] == 10.0
    assert dent["confidence"] == 1.0 and dent["support"] == 3
    scratch = next(f for f in fused if f["label"] == "scratch")
    assert scratch["confidence"] == 3 / 5 and scratch["support"] == 1  # the expert alone: 60%
    # the lone low-weight box (other's dent at 300,300) does not reach the quorum
    assert all(f["x"] < 200 for f in fused)
    # unweighted, the expert's scratch (1 of 3 annotators) falls below the quorum as well
    assert [f["label"] for f in fuse_boxes(annotations)] == ["dent"]


def test_fusion_one_box_per_annotator_per_cluster_and_empty_answers() -> None:
    annotations = {
        "a": [box("d", 0, 0, 10, 10), box("d", 1, 0, 10, 10)],
        "b": [box("d", 0, 0, 10, 10)],
        "c": [],
        "d": [],
    }
    fused = fuse_boxes(annotations, quorum=0.5)
    assert len(fused) == 1 and fused[0]["support"] == 2 and fused[0]["confidence"] == 0.5
    assert fuse_boxes({"a": [], "b": []}) == []
    assert fuse_boxes({}) == []
