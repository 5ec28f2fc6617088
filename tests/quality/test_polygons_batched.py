"""Polygon consensus of many images in one call (``fuse_results``, what the recompute runs: the
answers' dicts flattened once in item order, one compiled pass over every image) against the
per-image reference: each image alone through the NumPy path (``fuse_polygons(...,
kernel=False)`` of that image's answers only). Same polygons to the pixel corner, same
confidences and answer scores, on random crowds in submission order."""

from __future__ import annotations

import numpy as np
import pytest

from quality.polygons import PolygonTable, fuse_polygons, fuse_results


def random_answer(rng: np.random.Generator, h: int, w: int, truth: list[dict]) -> dict:
    """An annotator's answer: the image's true outlines jittered, sometimes one missed, one
    extra, a wrong label, a hole, or only the OK flag."""
    if rng.random() < 0.1:
        return {"ok": bool(rng.random() < 0.7)}
    polygons = []
    for shape in truth:
        if rng.random() < 0.1:
            continue
        points = np.asarray(shape["points"]) + rng.normal(0, 1.2, (len(shape["points"]), 2))
        points = np.clip(points.round(1), 0, [w, h])
        label = shape["label"] if rng.random() > 0.1 else str(rng.choice(["a", "b", "c"]))
        polygon: dict = {"label": label, "points": points.tolist()}
        if rng.random() < 0.1:
            middle = points.mean(axis=0)
            polygon["holes"] = [(middle + (points - middle) * 0.3).round(1).tolist()]
        polygons.append(polygon)
    if rng.random() < 0.2:
        polygons.append(
            {"label": "a", "points": rng.uniform(0, [w, h], (int(rng.integers(3, 8)), 2)).tolist()}
        )
    out: dict = {"polygons": polygons}
    if rng.random() < 0.2:
        out["ok"] = not polygons
    return out


def random_truth(rng: np.random.Generator, h: int, w: int) -> list[dict]:
    shapes = []
    for _ in range(int(rng.integers(0, 6))):
        k = int(rng.integers(3, 13))
        centre = rng.uniform(0, [w, h])
        angle = np.sort(rng.uniform(0, 2 * np.pi, k))
        radius = rng.uniform(1, 0.25 * min(h, w) + 2, k)
        points = np.c_[centre[0] + radius * np.cos(angle), centre[1] + radius * np.sin(angle)]
        shapes.append({"label": str(rng.choice(["a", "b", "c"])), "points": points.tolist()})
    return shapes


@pytest.mark.parametrize("crowd", [3, 9])
def test_one_call_over_every_image_equals_each_image_alone(crowd: int) -> None:
    rng = np.random.default_rng(100 + crowd)
    rows = []  # (item, result, weight, height, width)
    for item in range(150):
        h, w = (int(v) for v in rng.integers(8, 90, 2))
        truth = random_truth(rng, h, w)
        for _ in range(int(rng.integers(1, crowd + 1))):
            weight = round(float(rng.uniform(0, 1)), 2) if rng.random() > 0.1 else np.nan
            rows.append((item, random_answer(rng, h, w, truth), weight, h, w))
    rows = [rows[i] for i in rng.permutation(len(rows)).tolist()]  # submission order
    items = np.array([r[0] for r in rows])
    weights = np.array([r[2] for r in rows])
    heights = np.array([r[3] for r in rows])
    widths = np.array([r[4] for r in rows])

    batched = fuse_results([r[1] for r in rows], items, weights, height=heights, width=widths)
    assert batched.items.tolist() == sorted(set(items.tolist()))
    results = batched.results(with_confidence=True)
    n_objects = 0
    for k, item in enumerate(batched.items.tolist()):
        mine = np.flatnonzero(items == item)
        alone = fuse_polygons(
            PolygonTable.from_results(
                [rows[i][1] for i in mine.tolist()], items=np.zeros(len(mine), dtype=np.int64)
            ),
            weights[mine],
            height=int(heights[mine[0]]),
            width=int(widths[mine[0]]),
            kernel=False,
        )
        want = alone.results(with_confidence=True)[0]
        got = results[k]
        assert got["ok"] == want["ok"], item
        assert [p["label"] for p in got["polygons"]] == [p["label"] for p in want["polygons"]]
        for a, b in zip(got["polygons"], want["polygons"], strict=True):
            assert a["points"] == b["points"] and a.get("holes") == b.get("holes"), item
            assert a["confidence"] == pytest.approx(b["confidence"], abs=1e-12), item
        assert batched.confidence[k] == pytest.approx(alone.confidence[0], abs=1e-12), item
        assert batched.n_answers[k] == len(mine)
        np.testing.assert_allclose(batched.answer_score[mine], alone.answer_score, atol=1e-12)
        n_objects += len(want["polygons"])
    assert n_objects > 200  # the crowds drew enough for the comparison to mean something


def test_answer_scores_follow_the_callers_rows() -> None:
    """Scores come back in submission order, whatever order the items interleave in."""
    square = {"label": "a", "points": [[1, 1], [6, 1], [6, 6], [1, 6]]}
    other = {"label": "a", "points": [[10, 10], [14, 10], [14, 14], [10, 14]]}
    results = [{"polygons": [square]}, {"ok": True}, {"polygons": [square]}, {"polygons": [other]}]
    fused = fuse_results(results, [1, 0, 1, 0], height=16, width=16)
    # item 0: one "no defect", one square alone -> no consensus; item 1: two equal squares
    assert fused.items.tolist() == [0, 1]
    assert fused.answer_score.tolist() == [1.0, 1.0, 1.0, 0.0]
    assert fused.ok.tolist() == [True, False]
