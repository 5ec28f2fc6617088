"""Polygons to pixel masks, exactly as COCO's ``pycocotools`` rasterises them.

A polygon's pixels are those of its outer ring minus those of its holes, each ring rasterised
by ``rleFrPoly`` of the COCO API (see ``_raster``); a set of polygons is their union, as
``pycocotools.mask.merge`` of ``frPyObjects`` gives. So a mask made here, a mask decoded from a
COCO export and a mask compared by ``maskUtils.iou`` are the same pixels.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._raster import polygon_runs
from ._runs import Lines, Runs
from ._table import PolygonTable

Polygon = Mapping[str, Any]
I64 = NDArray[np.int64]


def polygons_table(polygons: Iterable[Polygon]) -> PolygonTable:
    """One answer holding ``polygons`` (labels optional)."""
    polys = [{"label": p.get("label", ""), **p} for p in polygons]
    return PolygonTable.from_results([{"polygons": polys}])


def image_runs(polygons: Iterable[Polygon], *, height: int, width: int) -> tuple[Runs, I64, int]:
    """Every polygon's pixels as runs whose line is the image column: ``(runs, polygon of each
    run, number of polygons)``; runs of one polygon are disjoint and sorted."""
    table = polygons_table(polygons)
    n = table.n_polygons
    size = np.ones(n, dtype=np.int64)
    runs, lines = polygon_runs(
        table.xy,
        table.ring_offsets,
        table.ring_polygon,
        table.ring_hole,
        n,
        size * height,
        size * width,
    )
    owner = _line_owner(lines)[runs.line]
    return Runs(lines.col_of(runs.line, owner), runs.start, runs.end), owner, n


def canvas(
    height: int | None, width: int | None, *polygon_sets: Iterable[Polygon]
) -> tuple[int, int]:
    """The image size to rasterise on: as given, or (``None``) just large enough for every
    point of the polygons. Why that is enough: for points inside ``[0, width] x [0, height]``
    COCO's rasteriser never reaches the clipping at the image's bottom row or right column,
    so any canvas holding the points gives the same pixels — match and score functions work
    without the item's size, and agree with the size given."""
    if height is not None and width is not None:
        return int(height), int(width)
    high_x = high_y = 0.0
    for polygons in polygon_sets:
        for p in polygons:
            for ring in (p.get("points") or [], *(p.get("holes") or [])):
                if len(ring):
                    xy = np.asarray(ring, dtype=np.float64).reshape(-1, 2)
                    high_x = max(high_x, float(np.nanmax(xy[:, 0])))
                    high_y = max(high_y, float(np.nanmax(xy[:, 1])))
    h = int(height) if height is not None else int(np.ceil(high_y)) + 1
    w = int(width) if width is not None else int(np.ceil(high_x)) + 1
    return h, w


def _line_owner(lines: Lines) -> I64:
    sizes = np.diff(np.r_[lines.base, lines.total])
    return np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)


def runs_to_mask(runs: Runs, *, height: int, width: int) -> NDArray[np.bool_]:
    """Dense ``(height, width)`` mask of runs on image columns (overlapping runs: union)."""
    depth = np.zeros((height + 1, width), dtype=np.int32)
    np.add.at(depth, (runs.start, runs.line), 1)
    np.add.at(depth, (runs.end, runs.line), -1)
    return np.cumsum(depth, axis=0)[:height] > 0


def rasterize(
    polygons: Polygon | Sequence[Polygon], *, height: int, width: int
) -> NDArray[np.bool_]:
    """The ``(height, width)`` mask of one polygon or the union of several (COCO's pixels).

    Example:
        >>> rasterize({"points": [[1, 1], [4, 1], [4, 3], [1, 3]]}, height=4, width=5).astype(int)
        array([[0, 0, 0, 0, 0],
               [0, 1, 1, 1, 0],
               [0, 1, 1, 1, 0],
               [0, 0, 0, 0, 0]])
    """
    polys = [polygons] if isinstance(polygons, Mapping) else list(polygons)
    runs, _, _ = image_runs(polys, height=height, width=width)
    return runs_to_mask(runs, height=height, width=width)


def rasterize_polygon(
    points: Sequence[Sequence[float]],
    holes: Sequence[Sequence[Sequence[float]]] = (),
    *,
    height: int,
    width: int,
) -> NDArray[np.bool_]:
    """Mask of one polygon given as its points and holes."""
    return rasterize({"points": points, "holes": list(holes)}, height=height, width=width)


def polygon_areas(
    polygons: Sequence[Polygon], *, height: int | None = None, width: int | None = None
) -> I64:
    """Pixel count of each polygon (holes removed), as ``maskUtils.area`` counts."""
    height, width = canvas(height, width, polygons)
    runs, owner, n = image_runs(polygons, height=height, width=width)
    return np.bincount(owner, weights=runs.length, minlength=n).astype(np.int64)
