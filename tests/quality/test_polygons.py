"""Polygons: COCO-exact masks, RLE, mask IoU, F1 and gold scoring with OK flags, validation and
consensus by weighted pixel vote — against pycocotools and hand-computed figures."""

from __future__ import annotations

import math

import numpy as np
import pytest

from quality.polygons import (
    PolygonTable,
    batched_score_polygons,
    consensus_polygons,
    fuse_polygons,
    iou_matrix,
    mask_iou,
    pairwise_polygon_agreement,
    polygon_areas,
    polygon_f1,
    rasterize,
    rle,
    score_polygons,
    validate_polygon,
    validate_polygons,
)

mu = pytest.importorskip("pycocotools.mask")


def square(x0: float, y0: float, x1: float, y1: float, label: str = "dent") -> dict:
    return {"label": label, "points": [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]}


def coco_mask(polygon: dict, h: int, w: int) -> np.ndarray:
    """pycocotools' pixels of one polygon: outer ring minus its holes."""

    def ring(points: list) -> np.ndarray:
        flat = np.ravel(points).astype(float).tolist()
        return mu.decode(mu.frPyObjects([flat], h, w)[0]).astype(bool)

    mask = ring(polygon["points"])
    for hole in polygon.get("holes", []):
        mask &= ~ring(hole)
    return mask


def random_points(rng: np.random.Generator, h: int, w: int, mode: int) -> np.ndarray:
    k = int(rng.integers(3, 13))
    if mode == 0:  # anywhere, a little outside the image too, self-intersecting
        return rng.uniform(-2, [w + 2, h + 2], size=(k, 2))
    if mode == 1:  # clicked: one decimal
        return np.round(rng.uniform(0, [w, h], size=(k, 2)), 1)
    if mode == 2:  # pixel corners
        return rng.integers(0, [w + 1, h + 1], size=(k, 2)).astype(float)
    # star around a centre: simple, concave
    ang = np.sort(rng.uniform(0, 2 * np.pi, k))
    r = rng.uniform(0.2, 0.5, k) * min(h, w)
    return np.c_[w / 2 + r * np.cos(ang), h / 2 + r * np.sin(ang)]


# -- rasterisation ------------------------------------------------------------------------------


def test_rasterize_hand_square_and_area() -> None:
    mask = rasterize(square(1, 1, 4, 3), height=4, width=5)
    want = np.zeros((4, 5), bool)
    want[1:3, 1:4] = True
    assert np.array_equal(mask, want)
    assert polygon_areas([square(1, 1, 4, 3), square(0, 0, 2, 2)], height=4, width=5).tolist() == [
        6,
        4,
    ]
    assert not rasterize([], height=3, width=3).any()


def test_rasterize_equals_pycocotools_pixel_for_pixel() -> None:
    rng = np.random.default_rng(7)
    for trial in range(600):
        h, w = (int(v) for v in rng.integers(1, 70, 2))
        pts = random_points(rng, h, w, trial % 4)
        poly = {"label": "a", "points": pts.tolist()}
        assert np.array_equal(rasterize(poly, height=h, width=w), coco_mask(poly, h, w)), trial


def test_large_images_and_many_points_equal_pycocotools() -> None:
    rng = np.random.default_rng(8)
    for trial in range(25):
        h, w = (int(v) for v in rng.integers(200, 1500, 2))
        poly = {"points": np.round(rng.uniform(0, [w, h], size=(150, 2)), trial % 3).tolist()}
        assert np.array_equal(rasterize(poly, height=h, width=w), coco_mask(poly, h, w)), trial


def test_holes_are_removed_and_union_of_polygons() -> None:
    ring = {
        "label": "a",
        "points": [[0, 0], [6, 0], [6, 6], [0, 6]],
        "holes": [[[2, 2], [4, 2], [4, 4], [2, 4]]],
    }
    mask = rasterize(ring, height=7, width=7)
    assert mask.sum() == 36 - 4 and not mask[2:4, 2:4].any()
    assert np.array_equal(mask, coco_mask(ring, 7, 7))
    both = rasterize([square(0, 0, 3, 3), square(2, 2, 5, 5)], height=6, width=6)
    assert both.sum() == 9 + 9 - 1
    rng = np.random.default_rng(9)
    for _ in range(100):
        outer = random_points(rng, 40, 40, 3)
        hole = 20 + (outer - 20) * 0.4
        poly = {"points": outer.tolist(), "holes": [hole.tolist()]}
        assert np.array_equal(rasterize(poly, height=40, width=40), coco_mask(poly, 40, 40))


# -- IoU and RLE -------------------------------------------------------------------------------


def test_iou_matrix_equals_maskutils_iou() -> None:
    rng = np.random.default_rng(10)
    for trial in range(60):
        h, w = (int(v) for v in rng.integers(10, 80, 2))
        a = [{"points": random_points(rng, h, w, (trial + i) % 4).tolist()} for i in range(4)]
        b = [{"points": random_points(rng, h, w, (trial + i) % 4).tolist()} for i in range(3)]
        rle_a = [mu.frPyObjects([np.ravel(p["points"]).tolist()], h, w)[0] for p in a]
        rle_b = [mu.frPyObjects([np.ravel(p["points"]).tolist()], h, w)[0] for p in b]
        want = mu.iou(rle_a, rle_b, [0] * len(b))
        got = iou_matrix(a, b, height=h, width=w)
        assert got.shape == (4, 3)
        assert np.max(np.abs(got - want)) <= 1e-9, trial


def test_mask_iou_of_masks_and_polygon_sets() -> None:
    assert mask_iou(np.array([[1, 1], [0, 0]]), np.array([[1, 0], [1, 0]])) == 1 / 3
    assert mask_iou(np.zeros((2, 2)), np.zeros((2, 2))) == 0.0  # as maskUtils.iou
    a = [square(0, 0, 4, 4), square(6, 0, 8, 2)]  # 16 + 4 pixels
    b = [square(2, 0, 8, 2)]  # 12 pixels, 4 shared with the square, 4 with the small one
    assert mask_iou(a, b, height=8, width=8) == 8 / (20 + 12 - 8)
    merged_a = mu.merge([mu.frPyObjects([np.ravel(p["points"]).tolist()], 8, 8)[0] for p in a])
    merged_b = mu.frPyObjects([np.ravel(b[0]["points"]).tolist()], 8, 8)[0]
    assert (
        abs(mask_iou(a, b, height=8, width=8) - mu.iou([merged_a], [merged_b], [0])[0, 0]) < 1e-12
    )
    assert mask_iou(a, b) == mask_iou(a, b, height=8, width=8)  # a canvas holding the points


def test_rle_matches_pycocotools_both_ways() -> None:
    rng = np.random.default_rng(11)
    for trial in range(80):
        h, w = (int(v) for v in rng.integers(1, 60, 2))
        mask = rng.random((h, w)) < rng.uniform(0, 1)
        if trial % 5 == 0:
            mask[:] = trial % 2 == 0  # all 0s or all 1s
        theirs = mu.encode(np.asfortranarray(mask.astype(np.uint8)))
        ours = rle.encode(mask)
        assert ours["counts"] == theirs["counts"].decode("ascii")
        assert ours["size"] == [h, w]
        assert np.array_equal(rle.decode(theirs | {"counts": theirs["counts"].decode()}), mask)
        plain = rle.encode(mask, compressed=False)
        assert np.array_equal(rle.decode(plain), mask)
        back = mu.frPyObjects(plain, h, w)
        assert np.array_equal(mu.decode(back).astype(bool), mask)
    big = [0, 70000, 3, 123456, 2, 0, 9]  # large and negative differences
    assert rle.decompress(rle.compress(big)).tolist() == big


def test_polygon_rle_equals_rasterize() -> None:
    rng = np.random.default_rng(12)
    for trial in range(40):
        h, w = (int(v) for v in rng.integers(5, 60, 2))
        poly = {"points": random_points(rng, h, w, trial % 4).tolist()}
        mask = rasterize(poly, height=h, width=w)
        ours = rle.polygon_rle(poly, height=h, width=w)
        assert np.array_equal(rle.decode(ours), mask)
        theirs = mu.encode(np.asfortranarray(mask.astype(np.uint8)))["counts"].decode("ascii")
        assert ours["counts"] == theirs
    full = rle.polygon_rle(square(0, 0, 3, 3), height=3, width=3, compressed=False)
    assert full["counts"] == [0, 9]


def test_coco_export_loads_in_pycocotools_with_the_same_masks() -> None:
    coco_api = pytest.importorskip("pycocotools.coco")
    h, w = 40, 50
    polygons = [
        square(2, 3, 20, 15),
        {
            "label": "dent",
            "points": [[25, 5], [45, 5], [45, 35], [25, 35]],
            "holes": [[[30, 10], [40, 10], [35, 25]]],
        },
        {"label": "scratch", "points": [[3.4, 20.2], [18.7, 22.1], [9.9, 38.6]]},
    ]
    dataset = {
        "images": [{"id": 1, "height": h, "width": w, "file_name": "a.png"}],
        "categories": [{"id": 1, "name": "dent"}, {"id": 2, "name": "scratch"}],
        "annotations": [
            {
                "id": i + 1,
                "image_id": 1,
                "category_id": 1 if p["label"] == "dent" else 2,
                "segmentation": rle.coco_segmentation(p, height=h, width=w),
                "area": int(polygon_areas([p], height=h, width=w)[0]),
                "bbox": [0, 0, 1, 1],
                "iscrowd": 0,
            }
            for i, p in enumerate(polygons)
        ],
    }
    coco = coco_api.COCO()
    coco.dataset = dataset
    coco.createIndex()
    for i, p in enumerate(polygons):
        loaded = coco.annToMask(coco.anns[i + 1]).astype(bool)
        assert np.array_equal(loaded, rasterize(p, height=h, width=w)), i
    assert isinstance(dataset["annotations"][1]["segmentation"], dict)  # holes -> RLE
    assert isinstance(dataset["annotations"][0]["segmentation"], list)


def test_image_size_can_be_left_out_for_points_inside_the_image() -> None:
    rng = np.random.default_rng(16)
    for trial in range(40):
        h, w = (int(v) for v in rng.integers(5, 60, 2))
        a = [{"label": "a", "points": random_points(rng, h, w, 1 + trial % 3).tolist()}]
        b = [{"label": "a", "points": random_points(rng, h, w, 1 + trial % 3).tolist()}]
        assert np.array_equal(iou_matrix(a, b), iou_matrix(a, b, height=h, width=w))
        sized = score_polygons({"polygons": a}, {"polygons": b}, height=h, width=w)
        assert score_polygons({"polygons": a}, {"polygons": b}) == sized
        out = consensus_polygons({0: {"polygons": a}, 1: {"polygons": b}, 2: {"polygons": a}})
        assert out == consensus_polygons(
            {0: {"polygons": a}, 1: {"polygons": b}, 2: {"polygons": a}}, height=h, width=w
        )


# -- F1 and scoring ------------------------------------------------------------------------------


def test_polygon_f1_hand_computed() -> None:
    a = [square(0, 0, 10, 10), square(20, 20, 30, 30), square(0, 20, 4, 24, "scratch")]
    b = [square(1, 0, 11, 10), square(0, 20, 4, 24, "scratch")]
    r = polygon_f1(a, b, height=40, width=40)
    assert r["matches"] == 2 and r["f1"] == 2 * 2 / 5
    assert r["precision"] == 2 / 3 and r["recall"] == 1.0
    assert abs(r["mean_iou"] - (90 / 110 + 1.0) / 2) < 1e-12
    assert polygon_f1([], [], height=5, width=5)["f1"] == 1.0
    assert polygon_f1([], b, height=40, width=40)["f1"] == 0.0
    assert polygon_f1(a, b, height=40, width=40, iou_threshold=0.95)["matches"] == 1
    assert (
        polygon_f1([square(0, 0, 4, 4)], [square(0, 0, 4, 4, "scratch")], height=5, width=5)["f1"]
        == 0.0
    )


def test_gold_scoring_with_ok_flags() -> None:
    sq = {"polygons": [square(0, 0, 4, 4)]}

    def score(answer: dict | None, gold: dict | None) -> float:
        return score_polygons(answer, gold, height=8, width=8)

    assert score({"ok": True}, {"ok": True}) == 1.0
    assert score({"ok": True}, {"polygons": []}) == 1.0
    assert score({"polygons": [], "ok": True}, None) == 1.0
    assert score({"ok": False}, {"ok": True}) == 0.0  # "defect, not outlined" against OK
    assert score({"ok": False}, {"ok": False}) == 1.0
    assert score(sq, {"ok": True}) == 0.0
    assert score({"ok": True}, sq) == 0.0
    assert score(sq | {"ok": False}, sq) == 1.0
    half = {"polygons": [square(0, 0, 4, 2)]}
    assert score(half, sq) == 1.0  # IoU exactly 0.5 counts
    assert score({"polygons": [square(0, 0, 4, 1)]}, sq) == 0.0


def test_pairwise_agreement() -> None:
    r = pairwise_polygon_agreement(
        {"a": [square(0, 0, 10, 10)], "b": [square(0, 0, 10, 10)], "c": [square(0, 0, 10, 5)]},
        height=12,
        width=12,
    )
    assert r["pairs"] == 3 and r["f1"] == 1.0
    assert abs(r["mean_iou"] - (1 + 0.5 + 0.5) / 3) < 1e-12
    oks = pairwise_polygon_agreement({"a": {"ok": True}, "b": {"ok": True}}, height=4, width=4)
    assert oks["f1"] == 1.0 and math.isnan(oks["mean_iou"])
    assert math.isnan(pairwise_polygon_agreement({"a": []}, height=4, width=4)["f1"])


# -- validation ----------------------------------------------------------------------------------


def errors(points: list, holes: tuple = (), **kw: float) -> list[tuple]:
    found = validate_polygon(points, holes, width=kw.pop("width", 20), height=20, **kw)  # type: ignore[arg-type]
    return [(e.hole, e.point, e.reason) for e in found]


def test_valid_polygons_pass_and_tolerated_repeats() -> None:
    assert errors([[0, 0], [20, 0], [20, 20], [0, 20]]) == []  # the border is inside
    assert errors([[1, 1], [5, 1], [5, 1], [5, 5], [1, 5], [1, 1]]) == []  # double click, closed
    holes = ([[4, 4], [8, 4], [8, 8], [4, 8]], [[10, 10], [12, 10], [12, 12]])
    assert errors([[0, 0], [15, 0], [15, 15], [0, 15]], holes) == []
    # a hole touching its polygon at one point is allowed (OGC)
    assert errors([[0, 0], [10, 0], [10, 10], [0, 10]], ([[0, 5], [4, 3], [4, 7]],)) == []


def test_each_fault_names_polygon_hole_and_point() -> None:
    assert errors([[0, 0], [5, 0]]) == [(None, None, "too_few_points")]
    assert errors([[0, 0], [5, 0], [5, 0], [0, 0]]) == [(None, None, "too_few_points")]
    assert errors([[0, 0], [5, float("nan")], [5, 5]]) == [(None, 1, "not_finite")]
    assert errors([[0, 0], [5, 0], [5, float("inf")]]) == [(None, 2, "not_finite")]
    assert errors([[0, 0], [5, 0], [21, 5], [0, 5]]) == [(None, 2, "outside_image")]
    assert errors([[0, 0], [5, 0], [20.005, 5]], tolerance=0.01) == []
    assert errors([[0, 0], [5, -0.5], [5, 5]]) == [(None, 1, "outside_image")]
    assert errors([[0, 0], [5, 0], "x"]) == [(None, 2, "not_a_point")]
    assert errors([[0, 0], [5, 0], [10, 0]]) == [(None, None, "degenerate")]
    # bow tie: the edge from point 0 meets the edge from point 2
    assert errors([[0, 0], [10, 10], [10, 0], [0, 10]]) == [(None, 0, "self_intersection")]
    # a spike folding back on its own edge
    assert errors([[0, 0], [10, 0], [10, 10], [10, 5], [0, 10]])[0][2] == "self_intersection"
    # a ring touching itself at a vertex
    touch = [[0, 0], [10, 0], [5, 5], [10, 10], [0, 10], [5, 5]]
    assert errors(touch)[0][2] == "self_intersection"
    outer = [[0, 0], [10, 0], [10, 10], [0, 10]]
    assert errors(outer, ([[2, 2], [12, 2], [2, 8]],)) == [(0, 1, "hole_outside")]
    assert errors(outer, ([[2, 2], [4, 2], [4, 4]], [[1, 1], [3.5, 2.5], [1, 3]]))[0][2] == (
        "holes_overlap"
    )
    assert errors(outer, ([[2, 2], [4, 4], [4, 2], [2, 4]],)) == [(0, 0, "self_intersection")]
    assert errors([[0, 0]] * 3 + [[1, 1]] * 1000, max_points=1000)[0][2] == "too_many_points"


def test_validate_polygons_locations_and_caps() -> None:
    polys = [square(0, 0, 4, 4), {"label": "rust", "points": [[0, 0], [1, 0], [2, 0]]}]
    found = validate_polygons(polys, width=10, height=10, labels=["dent"])
    assert [(e.loc, e.reason) for e in found] == [
        (("polygons", 1, "label"), "unknown_label"),
        (("polygons", 1, "points"), "degenerate"),
    ]
    bad_point = validate_polygons(
        [
            {
                "label": "dent",
                "points": [[0, 0], [5, 0], [5, 5]],
                "holes": [[[1, 1], [9, 1], [1, 2]]],
            }
        ],
        width=10,
        height=10,
    )
    assert bad_point[0].loc == ("polygons", 0, "holes", 0, 1)
    assert "polygon 0, hole 0, point 1" in bad_point[0].message
    assert validate_polygons([square(0, 0, 1, 1)] * 3, width=5, height=5, max_polygons=2)[
        0
    ].reason == ("too_many_polygons")
    assert validate_polygons([], width=5, height=5) == []
    assert validate_polygons("nope", width=5, height=5)[0].reason == "not_a_list"


# -- consensus -------------------------------------------------------------------------------------


def weighted_majority(results: list, weights: list, label: str, h: int, w: int) -> np.ndarray:
    """The pixels whose covering annotators hold more than half the weight (pycocotools masks)."""
    votes = np.zeros((h, w))
    for result, weight in zip(results, weights, strict=True):
        mine = np.zeros((h, w), bool)
        for p in result.get("polygons", []):
            if p["label"] == label:
                mine |= coco_mask(p, h, w)
        votes += weight * mine
    return votes / sum(weights) > 0.5


def consensus_mask(result: dict, label: str, h: int, w: int) -> np.ndarray:
    """The consensus polygons rasterised again (pycocotools); objects must not overlap."""
    mask = np.zeros((h, w), bool)
    for p in result["polygons"]:
        if p["label"] == label:
            own = coco_mask(p, h, w)
            assert not (mask & own).any()
            mask |= own
    return mask


def random_answer(rng: np.random.Generator, h: int, w: int, trial: int) -> dict:
    polys = []
    for _ in range(int(rng.integers(0, 4))):
        poly = {"label": str(rng.choice(["a", "b"])), "points": random_points(rng, h, w, trial % 4)}
        if trial % 4 == 3 and rng.random() < 0.5:
            centre = poly["points"].mean(axis=0)
            poly["holes"] = [(centre + (poly["points"] - centre) * 0.3).tolist()]
        poly["points"] = poly["points"].tolist()
        polys.append(poly)
    return {"polygons": polys}


def test_consensus_of_three_equals_the_pixel_majority_exactly() -> None:
    rng = np.random.default_rng(13)
    for trial in range(150):
        h, w = (int(v) for v in rng.integers(5, 60, 2))
        results = [random_answer(rng, h, w, trial) for _ in range(3)]
        out = consensus_polygons(dict(enumerate(results)), height=h, width=w)
        for label in ("a", "b"):
            want = weighted_majority(results, [1, 1, 1], label, h, w)
            assert np.array_equal(consensus_mask(out, label, h, w), want), (trial, label)
        assert validate_polygons(out["polygons"], width=w, height=h) == [], trial


def test_weighted_vote_needs_more_than_half_of_the_weight() -> None:
    a = {"polygons": [square(0, 0, 4, 4)]}
    b = {"polygons": [square(2, 0, 6, 4)]}
    c = {"polygons": []}
    heavy = consensus_polygons({"a": a, "b": b, "c": c}, {"a": 3.0, "b": 1.0}, height=8, width=8)
    assert [p["points"] for p in heavy["polygons"]] == [[[0, 0], [4, 0], [4, 4], [0, 4]]]
    even = consensus_polygons({"a": a, "b": b, "c": c}, height=8, width=8)
    assert [p["points"] for p in even["polygons"]] == [[[2, 0], [4, 0], [4, 4], [2, 4]]]
    tie = consensus_polygons({"a": a, "c": c}, height=8, width=8)  # half is not more than half
    assert tie["polygons"] == [] and tie["ok"] is True
    rng = np.random.default_rng(14)
    for trial in range(40):
        results = [random_answer(rng, 30, 30, trial) for _ in range(4)]
        weights = rng.uniform(0, 1, 4).round(2).tolist()
        out = consensus_polygons(
            dict(enumerate(results)), dict(enumerate(weights)), height=30, width=30
        )
        for label in ("a", "b"):
            want = weighted_majority(results, weights, label, 30, 30)
            assert np.array_equal(consensus_mask(out, label, 30, 30), want), trial


def pixel_polygons(pixels: list[tuple[int, int]]) -> dict:
    """One annotator outlining each pixel (column, row) as its own square."""
    return {"polygons": [square(c, r, c + 1, r + 1) for c, r in pixels]}


def test_traced_shapes_pinches_and_holes() -> None:
    ring = [(c, r) for c in range(1, 6) for r in range(1, 6) if c in (1, 5) or r in (1, 5)]
    c_shape = [p for p in ring if p != (1, 1)]  # its ends touch only at the corner (2, 2)
    for pixels, n_polygons, n_holes in (
        (ring, 1, 1),
        (c_shape, 1, 1),
        ([(0, 0), (1, 1)], 2, 0),
        ([(0, 0), (1, 0), (0, 1)], 1, 0),
    ):
        answer = pixel_polygons(pixels)
        out = consensus_polygons({"a": answer, "b": answer, "c": answer}, height=7, width=7)
        assert len(out["polygons"]) == n_polygons, pixels
        assert sum(len(p.get("holes", [])) for p in out["polygons"]) == n_holes, pixels
        want = np.zeros((7, 7), bool)
        for c, r in pixels:
            want[r, c] = True
        assert np.array_equal(consensus_mask(out, "dent", 7, 7), want)
        assert validate_polygons(out["polygons"], width=7, height=7) == [], pixels
    out = consensus_polygons({"a": pixel_polygons(c_shape)}, height=7, width=7)
    (polygon,) = out["polygons"]
    assert [2, 2] in polygon["points"] and [2, 2] in polygon["holes"][0]  # touching there
    assert polygon["points"][0] == [1, 2]  # outer rings start at their top-left corner


def test_confidence_and_answer_scores_hand_computed() -> None:
    a = {"polygons": [square(0, 0, 4, 4)]}
    b = {"polygons": [square(0, 0, 6, 4)]}
    c = {"ok": True}
    table = PolygonTable.from_results([a, b, c], items=[9, 9, 9])
    fused = fuse_polygons(table, height=8, width=8)
    (result,) = fused.results(with_confidence=True)
    assert result["ok"] is False
    assert abs(result["polygons"][0]["confidence"] - (1 + 16 / 24 + 0) / 3) < 1e-12
    assert fused.answer_score.tolist() == [1.0, 1.0, 0.0]
    assert abs(fused.confidence[0] - 2 / 3) < 1e-12 and fused.items.tolist() == [9]
    # c weighs 2: the square has half the weight, not more; the OK answer wins
    fused = fuse_polygons(table, np.array([1.0, 1.0, 2.0]), height=8, width=8)
    assert fused.results() == [{"polygons": [], "ok": True}]
    assert fused.answer_score.tolist() == [0.0, 0.0, 1.0]
    assert abs(fused.confidence[0] - 0.5) < 1e-12


def test_ok_flags_in_consensus() -> None:
    oks = PolygonTable.from_results([{"ok": True}, {"ok": True}, {"polygons": []}], items=[1, 1, 1])
    fused = fuse_polygons(oks, height=4, width=4)
    assert fused.results() == [{"polygons": [], "ok": True}]
    assert fused.answer_score.tolist() == [1.0, 1.0, 1.0] and fused.confidence[0] == 1.0
    ng = PolygonTable.from_results([{"ok": False}, {"ok": False}, {"ok": True}], items=[1, 1, 1])
    fused = fuse_polygons(ng, height=4, width=4)
    assert fused.results() == [{"polygons": [], "ok": False}]
    assert fused.answer_score.tolist() == [1.0, 1.0, 0.0]
    zero = fuse_polygons(ng, np.zeros(3), height=4, width=4)  # nobody has a say: all count
    assert zero.results() == [{"polygons": [], "ok": False}]
    unknown = fuse_polygons(ng, np.array([np.nan, 0.1, 0.9]), height=4, width=4, prior_weight=0.05)
    assert unknown.results() == [{"polygons": [], "ok": True}]  # NaN weighs the prior 0.05


def test_batched_consensus_equals_per_item_and_scores_equal_score_polygons() -> None:
    rng = np.random.default_rng(15)
    results, items, sizes = [], [], {}
    for item in range(60):
        sizes[item] = tuple(int(v) for v in rng.integers(10, 50, 2))
        for _ in range(int(rng.integers(1, 5))):
            results.append(random_answer(rng, sizes[item][0], sizes[item][1], item))
            items.append(item)
    weights = rng.uniform(0.3, 1.0, len(results))
    table = PolygonTable.from_results(results, items=items)
    heights = np.array([sizes[i][0] for i in items])
    widths = np.array([sizes[i][1] for i in items])
    fused = fuse_polygons(table, weights, height=heights, width=widths)
    per_item = fused.results()
    for k, item in enumerate(fused.items.tolist()):
        rows = [i for i, it in enumerate(items) if it == item]
        h, w = sizes[item]
        alone = consensus_polygons(
            {i: results[i] for i in rows}, {i: weights[i] for i in rows}, height=h, width=w
        )
        assert [(p["label"], p["points"], p.get("holes")) for p in alone["polygons"]] == [
            (p["label"], p["points"], p.get("holes")) for p in per_item[k]["polygons"]
        ]
        for i in rows:
            want = score_polygons(results[i], per_item[k], height=h, width=w)
            assert abs(fused.answer_score[i] - want) < 1e-12, (item, i)
        mean = np.average([fused.answer_score[i] for i in rows], weights=[weights[i] for i in rows])
        assert abs(fused.confidence[k] - mean) < 1e-12
    # answers in submission order (items interleaved): the same consensus, scores per row
    order = rng.permutation(len(results))
    shuffled = fuse_polygons(
        table.take_answers(order), weights[order], height=heights[order], width=widths[order]
    )
    assert shuffled.results() == per_item
    assert np.array_equal(shuffled.answer_score, fused.answer_score[order])
    assert np.allclose(shuffled.confidence, fused.confidence, rtol=0, atol=1e-12)


def test_empty_consensus() -> None:
    empty = PolygonTable.from_results([], items=[])
    fused = fuse_polygons(empty, height=4, width=4)
    assert fused.results() == [] and len(fused.object_item) == 0
    assert consensus_polygons({}, height=4, width=4) == {"polygons": [], "ok": True}


def test_batched_scores_equal_score_polygons_pair_by_pair() -> None:
    """Many answers scored against references at once (gold answers, paused annotators'
    answers in the annotator table): ``score_polygons`` of each pair, OK/NG flags included."""
    rng = np.random.default_rng(23)
    answers, references = [], []
    for trial in range(300):
        h, w = (int(v) for v in rng.integers(5, 60, 2))
        answer = random_answer(rng, h, w, trial)
        shifted = [
            {**p, "points": (np.asarray(p["points"]) + rng.normal(0, 0.7, 2)).clip(0).tolist()}
            for p in answer["polygons"]
            if "holes" not in p
        ]
        reference = {"polygons": shifted} if trial % 3 else random_answer(rng, h, w, trial + 1)
        if trial % 7 == 0:
            answer = {"ok": bool(trial % 2)}
        if trial % 11 == 0:
            reference = {"polygons": [], "ok": False}
        answers.append(answer)
        references.append(reference)
    got = batched_score_polygons(answers, references)
    want = [score_polygons(a, r) for a, r in zip(answers, references, strict=True)]
    assert np.allclose(got, want, rtol=0, atol=1e-12)
    assert 0.2 < float(np.mean(got)) < 0.95  # matches and misses both occur
    assert batched_score_polygons([], []).shape == (0,)
