"""Checks of submitted polygons that name the polygon, the hole and the point at fault.

Rules (SPEC "More kinds"): a ring has at least 3 distinct points, every coordinate is finite and
inside the image (``0 <= x <= width``, ``0 <= y <= height``: pixel corners, so the border is
inside), no ring crosses or touches itself (two edges that are not neighbours share no point;
neighbours do not fold back over each other), a ring encloses some area, every hole lies in its
polygon (no hole point outside it, no hole edge crossing it; touching at a point is allowed, as
OGC Simple Features allows) and holes do not overlap. Repeated consecutive points (a double
click) and a closing point equal to the first are tolerated and skipped.

Why hand-written rather than Shapely/GEOS: the answer to an annotator must name the point
(``polygons[2].points[5]``) and GEOS reports a reason string with a coordinate, which would have
to be parsed back to an index; the checks are a few vectorised NumPy comparisons, and their
orientation signs are exact (``_geometry``), so the decision is as robust as GEOS's. Not
checked: a hole touching its polygon at two or more points, which disconnects the interior (OGC
invalid) — harmless for rasterising and scoring.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._geometry import orientation, point_in_ring, segments_meet

F64 = NDArray[np.float64]

MAX_POINTS = 1000
MAX_POLYGONS = 500


@dataclass(frozen=True)
class PolygonError:
    """What is wrong and where: ``polygon`` index, ``hole`` index (None: the outer ring),
    ``point`` index in that ring (None: the whole ring or polygon), a ``reason`` code and a
    message naming them. ``loc`` is the path into the result, as the API reports it."""

    polygon: int
    hole: int | None
    point: int | None
    reason: str
    message: str

    @property
    def loc(self) -> tuple[str | int, ...]:
        if self.reason == "not_a_list":
            return ("polygons",)
        if self.reason in ("not_a_polygon", "too_many_polygons"):
            return ("polygons", self.polygon)
        if self.reason == "unknown_label":
            return ("polygons", self.polygon, "label")
        ring: tuple[str | int, ...] = ("points",) if self.hole is None else ("holes", self.hole)
        point: tuple[int, ...] = () if self.point is None else (self.point,)
        return ("polygons", self.polygon, *ring, *point)


def _where(polygon: int, hole: int | None, point: int | None = None) -> str:
    ring = f"polygon {polygon}" if hole is None else f"polygon {polygon}, hole {hole}"
    return ring if point is None else f"{ring}, point {point}"


def _as_array(points: Any) -> tuple[F64 | None, int | None]:
    """``(n, 2)`` floats, or None and the index of the first malformed point."""
    try:
        for i, p in enumerate(points):
            if len(p) != 2 or isinstance(p[0], bool) or isinstance(p[1], bool):
                return None, i
        arr = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        return None, 0
    return arr.reshape(-1, 2), None


def _ring_errors(
    points: Any,
    *,
    polygon: int,
    hole: int | None,
    width: float,
    height: float,
    max_points: int,
    tolerance: float,
) -> tuple[list[PolygonError], F64 | None, NDArray[np.intp] | None]:
    """Errors of one ring, and its distinct points with their original indices when valid."""
    where = _where(polygon, hole)

    def err(point: int | None, reason: str, message: str) -> list[PolygonError]:
        return [PolygonError(polygon, hole, point, reason, message)]

    if not isinstance(points, Sequence) or isinstance(points, str):
        return err(None, "not_a_ring", f"{where}: points must be a list of [x, y]"), None, None
    if len(points) > max_points:
        return (
            err(max_points, "too_many_points", f"{where}: more than {max_points} points"),
            None,
            None,
        )
    xy, bad = _as_array(points)
    if xy is None:
        return err(bad, "not_a_point", f"{_where(polygon, hole, bad)} is not [x, y]"), None, None
    finite = np.isfinite(xy).all(axis=1)
    if not finite.all():
        i = int(np.flatnonzero(~finite)[0])
        return (
            err(i, "not_finite", f"{_where(polygon, hole, i)} is not a finite number"),
            None,
            None,
        )
    outside = (xy[:, 0] < -tolerance) | (xy[:, 0] > width + tolerance)
    outside |= (xy[:, 1] < -tolerance) | (xy[:, 1] > height + tolerance)
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        x, y = xy[i].tolist()
        return (
            err(
                i,
                "outside_image",
                f"{_where(polygon, hole, i)} ({x:g}, {y:g}) is outside the "
                f"{width:g} x {height:g} image",
            ),
            None,
            None,
        )
    keep = np.flatnonzero(np.any(xy != np.roll(xy, -1, axis=0), axis=1)) if len(xy) else xy[:0, 0]
    if len(xy) and not len(keep):  # every point the same
        keep = np.zeros(1, dtype=np.intp)
    keep = keep.astype(np.intp)
    if len(keep) < 3:
        return err(None, "too_few_points", f"{where} has fewer than 3 distinct points"), None, None
    ring = xy[keep]
    flat = orientation(
        np.full(len(ring), ring[0, 0]),
        np.full(len(ring), ring[0, 1]),
        np.full(len(ring), ring[1, 0]),
        np.full(len(ring), ring[1, 1]),
        ring[:, 0],
        ring[:, 1],
    )
    if not flat.any():
        return (
            err(None, "degenerate", f"{where} encloses no area (its points are on a line)"),
            None,
            None,
        )
    crossing = _self_crossing(ring)
    if crossing is not None:
        i, j = (int(keep[crossing[0]]), int(keep[crossing[1]]))
        return (
            err(
                i,
                "self_intersection",
                f"{_where(polygon, hole, i)}: the edge from this point "
                f"meets the edge from point {j}",
            ),
            None,
            None,
        )
    return [], ring, keep


def _self_crossing(ring: F64) -> tuple[int, int] | None:
    """First pair of edges (by start point) of a ring that meet where they should not."""
    n = len(ring)
    x, y = ring[:, 0], ring[:, 1]
    nx, ny = np.roll(x, -1), np.roll(y, -1)
    # neighbours fold back: collinear and pointing against each other
    px, py = np.roll(x, 1), np.roll(y, 1)
    turn = orientation(px, py, x, y, nx, ny)
    back = (turn == 0) & ((x - px) * (nx - x) + (y - py) * (ny - y) < 0)
    if back.any():
        i = int(np.flatnonzero(back)[0])
        return ((i - 1) % n, i)
    ei, ej = np.triu_indices(n, k=2)
    apart = ~((ei == 0) & (ej == n - 1))
    ei, ej = ei[apart], ej[apart]
    meet, _ = segments_meet(x[ei], y[ei], nx[ei], ny[ei], x[ej], y[ej], nx[ej], ny[ej])
    if meet.any():
        k = int(np.flatnonzero(meet)[0])
        return (int(ei[k]), int(ej[k]))
    return None


def _crossing_rings(a: F64, b: F64) -> tuple[int, int] | None:
    """First edge of ``a`` and of ``b`` that cross properly."""
    grid = np.meshgrid(np.arange(len(a)), np.arange(len(b)), indexing="ij")
    i, j = grid[0].ravel(), grid[1].ravel()
    an, bn = np.roll(a, -1, axis=0), np.roll(b, -1, axis=0)
    _, proper = segments_meet(
        a[i, 0], a[i, 1], an[i, 0], an[i, 1], b[j, 0], b[j, 1], bn[j, 0], bn[j, 1]
    )
    if proper.any():
        k = int(np.flatnonzero(proper)[0])
        return int(i[k]), int(j[k])
    return None


def validate_polygon(
    points: Any,
    holes: Iterable[Any] = (),
    *,
    width: float,
    height: float,
    max_points: int = MAX_POINTS,
    polygon: int = 0,
    tolerance: float = 0.0,
) -> list[PolygonError]:
    """Everything wrong with one polygon (empty when valid), outer ring first.

    ``polygon`` is its index in the answer, used in the messages; ``tolerance`` lets points lie
    that far outside the image (browsers round zoomed coordinates).

    Example:
        >>> validate_polygon([[0, 0], [10, 0], [10, 10], [0, 10]], width=20, height=20)
        []
        >>> [e.message for e in validate_polygon([[0, 0], [10, 10], [10, 0], [0, 10]],
        ...                                        width=20, height=20)]
        ['polygon 0, point 0: the edge from this point meets the edge from point 2']
    """
    opts = {"width": width, "height": height, "max_points": max_points, "tolerance": tolerance}
    errors, outer, _ = _ring_errors(points, polygon=polygon, hole=None, **opts)  # type: ignore[arg-type]
    rings: list[tuple[int, F64, NDArray[np.intp]]] = []
    for h, hole in enumerate(holes):
        found, ring, keep = _ring_errors(hole, polygon=polygon, hole=h, **opts)  # type: ignore[arg-type]
        errors += found
        if ring is not None and keep is not None:
            rings.append((h, ring, keep))
    if outer is None:
        return errors
    for h, ring, keep in rings:
        inside, on = point_in_ring(ring[:, 0], ring[:, 1], outer[:, 0], outer[:, 1])
        out = ~(inside | on)
        cross = _crossing_rings(ring, outer)
        if out.any() or cross is not None:
            i = int(keep[np.flatnonzero(out)[0]]) if out.any() else int(keep[cross[0]])  # type: ignore[index]
            errors.append(
                PolygonError(
                    polygon, h, i, "hole_outside", f"{_where(polygon, h, i)} is outside the polygon"
                )
            )
    for (h, a, ka), (g, b, _) in ((p, q) for n, p in enumerate(rings) for q in rings[n + 1 :]):
        inside, _ = point_in_ring(b[:, 0], b[:, 1], a[:, 0], a[:, 1])
        inside_b, _ = point_in_ring(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
        cross = _crossing_rings(a, b)
        if cross is not None or inside.any() or inside_b.any():
            at = int(ka[cross[0]]) if cross is not None else None
            errors.append(
                PolygonError(
                    polygon,
                    h,
                    at,
                    "holes_overlap",
                    f"{_where(polygon, h, at)}: hole {h} overlaps hole {g}",
                )
            )
    return errors


def validate_polygons(
    polygons: Any,
    *,
    width: float,
    height: float,
    labels: Iterable[str] | None = None,
    max_points: int = MAX_POINTS,
    max_polygons: int = MAX_POLYGONS,
    tolerance: float = 0.0,
) -> list[PolygonError]:
    """Everything wrong with the polygons of one answer (empty when valid).

    Example:
        >>> bad = validate_polygons([{"label": "dent", "points": [[0, 0], [5, 0]]}],
        ...                         width=10, height=10)
        >>> bad[0].loc, bad[0].reason
        (('polygons', 0, 'points'), 'too_few_points')
    """
    if not isinstance(polygons, Sequence) or isinstance(polygons, str):
        return [PolygonError(0, None, None, "not_a_list", "polygons must be a list")]
    if len(polygons) > max_polygons:
        return [
            PolygonError(
                max_polygons, None, None, "too_many_polygons", f"more than {max_polygons} polygons"
            )
        ]
    allowed = None if labels is None else set(labels)
    errors: list[PolygonError] = []
    for p, poly in enumerate(polygons):
        if not isinstance(poly, Mapping):
            errors.append(
                PolygonError(p, None, None, "not_a_polygon", f"polygon {p} is not an object")
            )
            continue
        if allowed is not None and poly.get("label") not in allowed:
            errors.append(
                PolygonError(
                    p,
                    None,
                    None,
                    "unknown_label",
                    f"polygon {p}: label {poly.get('label')!r} is not one of the project's",
                )
            )
        errors += validate_polygon(
            poly.get("points"),
            poly.get("holes") or (),
            width=width,
            height=height,
            max_points=max_points,
            polygon=p,
            tolerance=tolerance,
        )
    return errors
