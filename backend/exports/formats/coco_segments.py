"""COCO annotation objects of polygon results: ``segmentation``, ``bbox`` and ``area``.

A polygon without holes is written in COCO's polygon form (one flat ``[x1, y1, x2, y2, ...]``
list); one with holes as compressed RLE of its mask, since COCO's polygon form unites its rings
and cannot hold a hole (``quality.polygons.rle.coco_segmentation``). pycocotools decodes either
to exactly the pixels the platform rasterises. ``bbox`` is the outer ring's extent
``[x, y, w, h]``; ``area`` the polygon's area by the shoelace formula, holes subtracted (the
continuous area, as COCO's own polygon annotations state it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from quality.polygons.rle import coco_segmentation


def _shoelace(ring: Sequence[Sequence[float]]) -> float:
    xy = np.asarray(ring, dtype=np.float64)
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def polygon_area(polygon: Mapping[str, Any]) -> float:
    """The area inside the outer ring and outside the holes."""
    return _shoelace(polygon["points"]) - sum(_shoelace(h) for h in polygon.get("holes") or ())


def polygon_object(polygon: Mapping[str, Any], *, height: int, width: int) -> dict[str, Any]:
    """The ``area``, ``bbox`` and ``segmentation`` of one polygon, keys sorted."""
    xy = np.asarray(polygon["points"], dtype=np.float64)
    low, high = xy.min(axis=0), xy.max(axis=0)
    return {
        "area": polygon_area(polygon),
        "bbox": [float(low[0]), float(low[1]), float(high[0] - low[0]), float(high[1] - low[1])],
        "segmentation": coco_segmentation(polygon, height=height, width=width),
    }
