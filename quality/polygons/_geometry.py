"""Exact geometric predicates on float coordinates, vectorised.

The sign of the orientation determinant decides every test below. It is computed in floating
point and trusted when it exceeds Shewchuk's error bound; the few uncertain cases are
recomputed exactly with rationals (floats are dyadic rationals, so ``Fraction`` is exact)
(J. R. Shewchuk, "Adaptive precision floating-point arithmetic and fast robust geometric
predicates", Discrete & Computational Geometry 18(3):305-363, 1997,
https://doi.org/10.1007/PL00009321). Why exact: a validity rule that flips with rounding would
accept a polygon on one machine and reject it on another, and near-collinear vertices are
common in clicked polygons.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
I8 = NDArray[np.int8]

_EPS = np.finfo(np.float64).eps / 2
_BOUND = (3.0 + 16.0 * _EPS) * _EPS


def orientation(ax: F64, ay: F64, bx: F64, by: F64, cx: F64, cy: F64) -> I8:
    """Sign of the turn a -> b -> c: 1 counter-clockwise (y up), -1 clockwise, 0 collinear."""
    left = (bx - ax) * (cy - ay)
    right = (by - ay) * (cx - ax)
    det = left - right
    sign = np.sign(det).astype(np.int8)
    unsure = np.abs(det) < _BOUND * (np.abs(left) + np.abs(right))
    unsure &= (left != 0) | (right != 0)
    for i in np.flatnonzero(unsure).tolist():
        exact = (Fraction(bx.flat[i]) - Fraction(ax.flat[i])) * (
            Fraction(cy.flat[i]) - Fraction(ay.flat[i])
        ) - (Fraction(by.flat[i]) - Fraction(ay.flat[i])) * (
            Fraction(cx.flat[i]) - Fraction(ax.flat[i])
        )
        sign.flat[i] = (exact > 0) - (exact < 0)
    return sign


def _between(a: F64, b: F64, c: F64) -> NDArray[np.bool_]:
    return (np.minimum(a, b) <= c) & (c <= np.maximum(a, b))


def segments_meet(
    px: F64, py: F64, qx: F64, qy: F64, rx: F64, ry: F64, sx: F64, sy: F64
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Whether segments pq and rs share a point, and whether they cross properly (each
    passes strictly from one side of the other to the other side)."""
    o1 = orientation(px, py, qx, qy, rx, ry)
    o2 = orientation(px, py, qx, qy, sx, sy)
    o3 = orientation(rx, ry, sx, sy, px, py)
    o4 = orientation(rx, ry, sx, sy, qx, qy)
    proper = (o1 * o2 < 0) & (o3 * o4 < 0)
    touch = (o1 == 0) & _between(px, qx, rx) & _between(py, qy, ry)
    touch |= (o2 == 0) & _between(px, qx, sx) & _between(py, qy, sy)
    touch |= (o3 == 0) & _between(rx, sx, px) & _between(ry, sy, py)
    touch |= (o4 == 0) & _between(rx, sx, qx) & _between(ry, sy, qy)
    return proper | touch, proper


def point_in_ring(
    px: F64, py: F64, rx: F64, ry: F64
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """For points ``(m,)`` and one closed ring ``(n,)``: strictly inside, and on the boundary.

    Crossing number with the half-open rule (a ray to +x counts an edge whose end points lie
    on different sides of the ray, one of them at or above it), orientation signs exact.
    """
    ax, ay = rx[None, :], ry[None, :]
    bx, by = np.roll(rx, -1)[None, :], np.roll(ry, -1)[None, :]
    x, y = px[:, None], py[:, None]
    shape = np.broadcast_shapes(x.shape, ax.shape)
    ax, ay, bx, by = (np.broadcast_to(v, shape) for v in (ax, ay, bx, by))
    x, y = np.broadcast_to(x, shape), np.broadcast_to(y, shape)
    side = orientation(ax, ay, bx, by, x, y)
    on_edge = (side == 0) & _between(ax, bx, x) & _between(ay, by, y)
    upward = (ay <= y) & (by > y) & (side > 0)
    downward = (by <= y) & (ay > y) & (side < 0)
    crossings = (upward | downward).sum(axis=1)
    boundary = on_edge.any(axis=1)
    return (crossings % 2 == 1) & ~boundary, boundary
