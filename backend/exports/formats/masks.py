"""Polygon results as PNG label masks: what ``masks_png`` and ``mvtec`` write.

Pixels are COCO's (``quality.polygons.rasterize``), so a mask here, a COCO export decoded by
pycocotools and the platform's IoU figures are the same pixels. Where polygons overlap, the one
drawn later wins. The palette is PASCAL VOC's (the devkit's ``labelcolormap``: the bits of the
class index spread over the high bits of R, G and B), so VOC tools show the classes in their
usual colours.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from quality.polygons import rasterize


@lru_cache(maxsize=1)
def voc_palette() -> bytes:
    """The 256 RGB colours of PASCAL VOC's label colour map."""
    index = np.arange(256)
    rgb = np.zeros((256, 3), dtype=np.int64)
    for shift in range(8):
        for channel in range(3):
            bit = (index >> (3 * shift + channel)) & 1
            rgb[:, channel] |= bit << (7 - shift)
    return rgb.astype(np.uint8).tobytes()


def label_mask(
    polygons: Iterable[Mapping[str, Any]], value: Mapping[str, int], *, height: int, width: int
) -> NDArray[np.uint8]:
    """``(height, width)`` mask: 0 where no polygon is, ``value[label]`` where one is."""
    mask = np.zeros((height, width), dtype=np.uint8)
    for polygon in polygons:
        mask[rasterize(polygon, height=height, width=width)] = value[polygon["label"]]
    return mask


def png(mask: NDArray[np.uint8], *, palette: bytes | None = None) -> bytes:
    """PNG bytes of a mask: indexed colour with ``palette``, else 8-bit grey."""
    height, width = mask.shape
    mode = "P" if palette is not None else "L"
    image = Image.frombytes(mode, (width, height), np.ascontiguousarray(mask).tobytes())
    if palette is not None:
        image.putpalette(palette)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()
