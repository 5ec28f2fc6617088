"""Box lists (platform dicts) to arrays and back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

Box = Mapping[str, Any]


def to_arrays(boxes: Sequence[Box] | NDArray[np.float64]) -> tuple[NDArray[np.float64], list[Any]]:
    """``(n, 4)`` xywh array and the labels (None for an unlabelled array)."""
    if isinstance(boxes, np.ndarray):
        arr = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        return arr, [None] * len(arr)
    if len(boxes) and not isinstance(boxes[0], Mapping):  # (x, y, w, h) sequences
        arr = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        return arr, [None] * len(arr)
    arr = np.asarray([[b["x"], b["y"], b["w"], b["h"]] for b in boxes], dtype=np.float64)
    return arr.reshape(-1, 4), [b.get("label") for b in boxes]
