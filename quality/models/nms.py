"""Greedy non-maximum suppression of scored boxes.

Keep the best-scored box, drop every box overlapping it by more than ``iou_threshold``, repeat:
the suppression step of sliding-window detectors (Dalal and Triggs, CVPR 2005; for the problem
and faster variants, A. Neubeck and L. Van Gool, "Efficient Non-Maximum Suppression", ICPR 2006,
https://doi.org/10.1109/ICPR.2006.479).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..boxes import iou_matrix


def non_max_suppression(
    boxes: ArrayLike, scores: ArrayLike, iou_threshold: float = 0.3, max_boxes: int | None = None
) -> NDArray[np.intp]:
    """Indices of the boxes kept (``(n, 4)`` x, y, w, h), best score first.

    Example:
        >>> non_max_suppression([[0, 0, 10, 10], [1, 0, 10, 10], [50, 50, 5, 5]], [0.9, 0.8, 0.7])
        array([0, 2])
    """
    xywh = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    kept: list[int] = []
    while len(order) and (max_boxes is None or len(kept) < max_boxes):
        best = int(order[0])
        kept.append(best)
        rest = order[1:]
        if len(rest) == 0:
            break
        overlap = iou_matrix(xywh[best : best + 1], xywh[rest])[0]
        order = rest[overlap <= iou_threshold]
    return np.asarray(kept, dtype=np.intp)
