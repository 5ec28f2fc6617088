"""The compiled pixel stage of polygon consensus (``quality/polygons/_kernel.py``) against the
NumPy reference path: every column of the result equal, on random polygons of every kind the
rasteriser tests use (outside the image, self-intersecting, holes, pixel corners, repeated
vertices), crowds of up to 14 answers per item (both vote paths) and zero or missing weights."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from quality.polygons import PolygonTable, fuse_polygons
from quality.polygons._kernel import vote_pixels

mu = pytest.importorskip("pycocotools.mask")


def random_result(rng: np.random.Generator, h: int, w: int, mode: int) -> dict:
    polygons = []
    for _ in range(int(rng.integers(0, 5))):
        k = int(rng.integers(3, 13))
        if mode == 0:  # anywhere, a little outside the image too, self-intersecting
            points = rng.uniform(-3, [w + 3, h + 3], size=(k, 2))
        elif mode == 1:  # clicked: one decimal, some vertices repeated
            points = np.round(rng.uniform(0, [w, h], size=(k, 2)), 1)
            points = np.repeat(points, rng.integers(1, 3, k), axis=0)
        elif mode == 2:  # pixel corners
            points = rng.integers(0, [w + 1, h + 1], size=(k, 2)).astype(float)
        else:  # small stars, often overlapping one another
            centre = rng.uniform(0, [w, h])
            angle = np.sort(rng.uniform(0, 2 * np.pi, k))
            radius = rng.uniform(0.5, 0.3 * min(h, w) + 1, k)
            points = np.c_[centre[0] + radius * np.cos(angle), centre[1] + radius * np.sin(angle)]
        polygon: dict = {"label": str(rng.choice(["a", "b", "c"])), "points": points.tolist()}
        if rng.random() < 0.25:
            middle = points.mean(axis=0)
            polygon["holes"] = [(middle + (points - middle) * 0.4).tolist()]
        polygons.append(polygon)
    if not polygons and rng.random() < 0.5:
        return {"ok": bool(rng.random() < 0.5)}
    return {"polygons": polygons}


def assert_same(a: object, b: object) -> None:
    for field in dataclasses.fields(a):  # type: ignore[arg-type]
        x, y = getattr(a, field.name), getattr(b, field.name)
        if isinstance(x, np.ndarray):
            assert x.shape == y.shape and np.array_equal(x, y, equal_nan=True), field.name
        else:
            assert x == y, field.name


@pytest.mark.parametrize("crowd", [3, 14])
def test_compiled_pixel_stage_equals_the_numpy_path(crowd: int) -> None:
    rng = np.random.default_rng(crowd)
    results, items, heights, widths = [], [], [], []
    for item in range(120):
        h, w = (int(v) for v in rng.integers(4, 70, 2))
        for _ in range(int(rng.integers(1, crowd + 1))):
            results.append(random_result(rng, h, w, item % 4))
            items.append(item)
            heights.append(h)
            widths.append(w)
    order = rng.permutation(len(results))  # submission order: items interleaved
    table = PolygonTable.from_results(results, items=items).take_answers(order)
    weights = rng.uniform(0, 1, len(results)).round(1)
    weights[rng.random(len(results)) < 0.1] = np.nan
    h_, w_ = np.asarray(heights)[order], np.asarray(widths)[order]
    compiled = fuse_polygons(table, weights, height=h_, width=w_)
    reference = fuse_polygons(table, weights, height=h_, width=w_, kernel=False)
    assert len(reference.object_item) > 100
    assert_same(compiled, reference)
    assert compiled.results(with_confidence=True) == reference.results(with_confidence=True)


def test_compiled_toggles_give_pycocotools_pixels() -> None:
    """One polygon alone: the kernel's pixel count is the area of pycocotools' mask."""
    rng = np.random.default_rng(5)
    for trial in range(200):
        h, w = (int(v) for v in rng.integers(3, 40, 2))
        polygon = random_result(rng, h, w, trial % 4).get("polygons", [])[:1]
        if not polygon:
            continue
        flat = np.ravel(polygon[0]["points"]).astype(float).tolist()
        want = int(mu.area(mu.frPyObjects([flat], h, w)[0]))
        xy = np.asarray(polygon[0]["points"], dtype=np.float64).reshape(-1, 2)
        one = np.array([0], dtype=np.int64)
        out = vote_pixels(
            xy,
            np.array([0, len(xy)], dtype=np.int64),
            one * 0,
            one + 1,
            one * 0 + h,
            one * 0 + w,
            one * 0,
            one * 0,
            np.array([0, 1], dtype=np.int64),
            one * 0,
            one * 0,
            one * 0,
            np.array([[0.0, 1.0]]),
            np.ones((1, 1)),
            np.ones(1),
            True,
            0.5,
        )
        poly_area = out[5]
        assert int(poly_area[0]) == want, trial


def test_the_cheaper_path_is_chosen_by_polygon_height() -> None:
    """Defect outlines go to the compiled stage, large regions of large images to the NumPy
    path (per column, not per pixel); the result is the same either way."""
    from quality.polygons.consensus import _compiled_is_cheaper

    def ring(cx: float, cy: float, r: float) -> list:
        angle = np.linspace(0, 2 * np.pi, 24, endpoint=False)
        return np.c_[cx + r * np.cos(angle), cy + r * np.sin(angle)].round(1).tolist()

    small = [{"polygons": [{"label": "a", "points": ring(60 + 3 * a, 50, 20)}]} for a in range(3)]
    large = [
        {
            "polygons": [
                {"label": "a", "points": ring(700, 500, 400 + 9 * a), "holes": [ring(700, 500, 50)]}
            ]
        }
        for a in range(3)
    ]
    for results, compiled in ((small, True), (large, False)):
        table = PolygonTable.from_results(results, items=[0, 0, 0])
        assert _compiled_is_cheaper(table) is compiled
        auto = fuse_polygons(table, height=1000, width=1400)
        for kernel in (True, False):
            assert_same(auto, fuse_polygons(table, height=1000, width=1400, kernel=kernel))


@pytest.mark.parametrize("moved", [0, 3, 400])
def test_rings_put_in_order_equal_the_gather_of_every_corner(moved: int) -> None:
    """``_rings_in_order`` rewrites the stretches of rings permuted among themselves in place
    (few out of place) or gathers every corner (many): both the corners of the rings in the
    given order."""
    from quality.polygons._trace import Traced
    from quality.polygons.consensus import _rings_in_order

    rng = np.random.default_rng(moved)
    n = 1000
    sizes = rng.integers(4, 30, n)
    offsets = np.r_[0, np.cumsum(sizes)].astype(np.int64)
    x = rng.integers(0, 500, offsets[-1]).astype(np.int64)
    y = rng.integers(0, 500, offsets[-1]).astype(np.int64)
    order = np.arange(n, dtype=np.int64)
    for _ in range(moved):  # a ring moved a few places later (a hole after the next object)
        a = int(rng.integers(0, n - 6))
        order = np.insert(np.delete(order, a), a + int(rng.integers(1, 6)), order[a])
    traced = Traced(x.copy(), y.copy(), offsets, sizes, np.arange(n), np.arange(n), n)
    got_offsets, got_x, got_y = _rings_in_order(traced, order)
    take = np.concatenate([np.arange(offsets[r], offsets[r + 1]) for r in order.tolist()])
    assert np.array_equal(got_offsets, np.r_[0, np.cumsum(sizes[order])])
    assert np.array_equal(got_x, x[take]) and np.array_equal(got_y, y[take])
    if moved:
        assert not np.array_equal(take, np.arange(len(x)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ring_extents_equal_the_numpy_passes(seed: int) -> None:
    """One compiled pass (``_extents``) gives each ring's COCO columns, each outer ring's box
    with its holes and the largest coordinates exactly as the NumPy passes it replaces; rings
    it cannot take exactly (empty, NaN, huge) are left to those passes."""
    from quality.polygons._raster import grid_columns, ring_columns
    from quality.polygons.consensus import _compiled_is_cheaper, _extents

    rng = np.random.default_rng(seed)
    results, items = [], []
    for item in range(200):
        h, w = (int(v) for v in rng.integers(4, 900, 2))
        for _ in range(3):
            results.append(random_result(rng, h, w, item % 4))
            items.append(item)
    # negative coordinates, a hole before nothing else, odd decimals
    results.append(
        {"polygons": [{"label": "a", "points": [[-7.3, -2.25], [-0.1, 4], [3.9999, -1]]}]}
    )
    items.append(200)
    table = PolygonTable.from_results(results, items=items)
    found = _extents(table)
    assert found is not None
    gx_lo, gx_hi, box_w, box_h, x_max, y_max = found
    width = rng.integers(1, 1000, len(gx_lo))
    want, got = ring_columns(table.xy, table.ring_offsets, width), grid_columns(gx_lo, gx_hi, width)
    assert np.array_equal(want.first, got.first) and np.array_equal(want.base, got.base)
    assert want.total == got.total
    assert x_max == np.nanmax(table.xy[:, 0], initial=0.0)
    assert y_max == np.nanmax(table.xy[:, 1], initial=0.0)
    outer = np.flatnonzero(~table.ring_hole)
    starts = table.ring_offsets[:-1][outer]
    x, y = table.xy[:, 0], table.xy[:, 1]
    for box, v in ((box_w, x), (box_h, y)):
        high, low = np.maximum.reduceat(v, starts), np.minimum.reduceat(v, starts)
        assert np.array_equal(box, high - low + 1)
    assert _compiled_is_cheaper(table, (box_w, box_h)) is _compiled_is_cheaper(table)
    for bad in (np.nan, np.inf, 1e300):
        xy = table.xy.copy()
        xy[int(rng.integers(len(xy))), int(rng.integers(2))] = bad
        assert _extents(dataclasses.replace(table, xy=xy)) is None
    offsets = np.r_[table.ring_offsets[:5], table.ring_offsets[4:]]  # an empty ring
    n = len(offsets) - 1
    empty = dataclasses.replace(
        table,
        ring_offsets=offsets,
        ring_polygon=np.r_[table.ring_polygon[:4], table.ring_polygon[3:]][:n],
        ring_hole=np.r_[table.ring_hole[:4], True, table.ring_hole[4:]][:n],
    )
    assert _extents(empty) is None


def test_answers_matched_by_label_equal_by_group(monkeypatch: pytest.MonkeyPatch) -> None:
    """``f1_against`` numbers its problems by (answer, label) when given the labels, by
    (answer, group) after a sort otherwise: the scores are the same."""
    from quality.polygons import _overlap, consensus

    rng = np.random.default_rng(5)
    results, items = [], []
    for item in range(150):
        for _ in range(int(rng.integers(1, 5))):
            results.append(random_result(rng, 60, 60, item % 4))
            items.append(item)
    table = PolygonTable.from_results(results, items=items)
    weights = rng.uniform(0, 1, len(results)).round(1)
    by_label = fuse_polygons(table, weights, height=60, width=60)

    def by_group(*args: object, **kwargs: object) -> object:
        return _overlap.f1_against(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(consensus, "f1_against", by_group)
    assert_same(by_label, fuse_polygons(table, weights, height=60, width=60))
    assert np.any(by_label.answer_score > 0) and np.any(by_label.answer_score < 1)


def test_compiled_stage_refuses_lines_beyond_int32() -> None:
    """The compiled stage holds pixel lines in int32: two polygons of one label 2.2 billion
    columns apart span more lines than that, and asking for it says so instead of wrapping."""
    from quality.polygons import fuse_results

    def square(x: float) -> dict:
        return {"polygons": [{"label": "a", "points": [[x, 0], [x + 4, 0], [x + 4, 4], [x, 4]]}]}

    with pytest.raises(ValueError, match="kernel=False"):
        fuse_results([square(0), square(2.2e9)], [0, 0], kernel=True, height=8)


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_first_index_equals_minimum_at(dtype) -> None:
    from quality.polygons._kernel import first_index

    rng = np.random.default_rng(4)
    for n, size in ((1, 0), (1, 5), (10, 3), (50, 1000), (1000, 50)):
        values = rng.integers(0, n, size).astype(dtype)
        want = np.full(n, size, dtype=np.int64)
        np.minimum.at(want, values, np.arange(size))
        assert np.array_equal(first_index(values, n), want)
