"""Intersection over union of axis-aligned boxes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from ._format import Box, to_arrays


def iou_matrix(
    a: Sequence[Box] | NDArray[np.float64], b: Sequence[Box] | NDArray[np.float64]
) -> NDArray[np.float64]:
    """IoU of every box of ``a`` with every box of ``b`` (``len(a) × len(b)``), vectorised.

    Why IoU: the PASCAL VOC / COCO criterion for "the same object" (M. Everingham et al., "The
    PASCAL Visual Object Classes (VOC) Challenge", IJCV 88:303-338, 2010,
    https://doi.org/10.1007/s11263-009-0275-4). Labels are ignored here. Degenerate boxes (zero
    area) have IoU 0 with everything, including themselves.

    Example:
        >>> iou_matrix([{"x": 0, "y": 0, "w": 2, "h": 2}], [{"x": 1, "y": 0, "w": 2, "h": 2}])
        array([[0.33333333]])
    """
    xa, _ = to_arrays(a)
    xb, _ = to_arrays(b)
    ax0, ay0 = xa[:, 0:1], xa[:, 1:2]
    ax1, ay1 = ax0 + xa[:, 2:3], ay0 + xa[:, 3:4]
    bx0, by0 = xb[:, 0], xb[:, 1]
    bx1, by1 = bx0 + xb[:, 2], by0 + xb[:, 3]
    iw = np.clip(np.minimum(ax1, bx1) - np.maximum(ax0, bx0), 0, None)
    ih = np.clip(np.minimum(ay1, by1) - np.maximum(ay0, by0), 0, None)
    inter = iw * ih
    area_a = np.clip(xa[:, 2:3], 0, None) * np.clip(xa[:, 3:4], 0, None)
    area_b = np.clip(xb[:, 2], 0, None) * np.clip(xb[:, 3], 0, None)
    union = area_a + area_b - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def iou(a: Box | Sequence[float], b: Box | Sequence[float]) -> float:
    """IoU of two boxes (dicts with x, y, w, h or ``(x, y, w, h)`` sequences).

    Example:
        >>> iou((0, 0, 10, 10), (5, 0, 10, 10))
        0.3333333333333333
    """

    def one(box: Box | Sequence[float]) -> NDArray[np.float64]:
        if isinstance(box, Mapping):
            return np.asarray([[box["x"], box["y"], box["w"], box["h"]]], dtype=np.float64)
        return np.asarray([box], dtype=np.float64)

    return float(iou_matrix(one(a), one(b))[0, 0])
