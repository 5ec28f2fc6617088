"""COCO run-length encoding: masks and polygons to RLE and back, compressed or not.

COCO's RLE (T.-Y. Lin et al., "Microsoft COCO: Common Objects in Context", ECCV 2014,
https://doi.org/10.1007/978-3-319-10602-1_48; ``common/maskApi.c`` of the COCO API) counts
alternating runs of 0s and 1s over the mask read column by column (Fortran order), starting
with 0s: ``{"size": [h, w], "counts": [...]}``. The compressed form (``rleToString``) writes
each count — from the fourth on, as its difference to the count two places before — in 5-bit
groups, least significant first, as characters ``chr(48 + group)`` with bit 0x20 meaning "more
groups follow" and a sign taken from bit 0x10 of the last group. Both are vectorised here and
agree with ``pycocotools.mask.encode``/``decode``/``frPyObjects``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._ranges import expand
from ._runs import Runs
from .raster import image_runs

I64 = NDArray[np.int64]


def _counts_from_flags(flat: NDArray[np.bool_]) -> I64:
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    bounds = np.r_[0, change, len(flat)]
    counts = np.diff(bounds).astype(np.int64)
    if len(flat) and flat[0]:
        counts = np.r_[0, counts]
    return counts


def encode(mask: NDArray[Any], *, compressed: bool = True) -> dict[str, Any]:
    """COCO RLE of a ``(h, w)`` mask (non-zero is foreground).

    Example:
        >>> encode(np.array([[0, 1], [1, 1]]), compressed=False)
        {'size': [2, 2], 'counts': [1, 3]}
    """
    h, w = mask.shape
    counts = _counts_from_flags(np.asarray(mask).ravel(order="F") != 0)
    return {"size": [int(h), int(w)], "counts": compress(counts) if compressed else counts.tolist()}


def decode(rle: Mapping[str, Any]) -> NDArray[np.bool_]:
    """The ``(h, w)`` boolean mask of a COCO RLE (compressed or not)."""
    h, w = (int(v) for v in rle["size"])
    counts = rle["counts"]
    c = decompress(counts) if isinstance(counts, str | bytes) else np.asarray(counts, np.int64)
    values = np.arange(len(c)) % 2 == 1
    flat = np.repeat(values, c)
    if len(flat) != h * w:
        raise ValueError(f"RLE counts cover {len(flat)} pixels, the size {h} x {w} needs {h * w}")
    return flat.reshape((h, w), order="F")


def compress(counts: Sequence[int] | I64) -> str:
    """COCO's string form of RLE counts (``rleToString``)."""
    c = np.asarray(counts, dtype=np.int64)
    x = c.copy()
    x[3:] -= c[1:-2]
    # how many 5-bit groups each value needs (sign in bit 0x10 of the last group)
    groups = np.ones(len(x), dtype=np.int64)
    rest = x >> 5
    last = x & 0x1F
    more = np.where(last & 0x10, rest != -1, rest != 0)
    while more.any():
        groups += more
        last = np.where(more, rest & 0x1F, last)
        rest = np.where(more, rest >> 5, rest)
        more &= np.where(last & 0x10, rest != -1, rest != 0)
    owner, k = expand(np.zeros(len(x), dtype=np.int64), groups)
    chars = (x[owner] >> (5 * k)) & 0x1F
    chars |= np.where(k < groups[owner] - 1, 0x20, 0)
    return (chars + 48).astype(np.uint8).tobytes().decode("ascii")


def decompress(text: str | bytes) -> I64:
    """RLE counts from COCO's string form (``rleFrString``)."""
    raw = text.encode("ascii") if isinstance(text, str) else bytes(text)
    c = np.frombuffer(raw, dtype=np.uint8).astype(np.int64) - 48
    if not len(c):
        return np.zeros(0, dtype=np.int64)
    ends = np.flatnonzero((c & 0x20) == 0)
    starts = np.r_[0, ends[:-1] + 1]
    owner = np.repeat(np.arange(len(ends)), ends - starts + 1)
    k = np.arange(len(c)) - starts[owner]
    x = np.add.reduceat((c & 0x1F) << (5 * k), starts)
    negative = (c[ends] & 0x10) != 0
    x = np.where(negative, x | (-1 << (5 * (ends - starts + 1))), x)
    # undo the differences: from the fourth count on, add the count two places before; the
    # chains 1, 3, 5, ... and 2, 4, 6, ... are running sums (count 0 stands alone)
    counts = x.copy()
    counts[1::2] = np.cumsum(x[1::2])
    counts[2::2] = np.cumsum(x[2::2])
    return counts


def runs_to_counts(runs: Runs, *, height: int, width: int) -> I64:
    """RLE counts of disjoint runs on image columns, without a dense mask."""
    if not len(runs):
        return np.asarray([height * width], dtype=np.int64)
    order = np.lexsort((runs.start, runs.line))
    start = runs.line[order] * height + runs.start[order]
    end = runs.line[order] * height + runs.end[order]
    # runs that continue into the next column (end at the bottom, start at the top) join
    joined = np.r_[False, start[1:] == end[:-1]]
    bounds = np.stack([start, end], axis=1).ravel()
    drop = np.zeros(len(bounds), dtype=bool)
    drop[2 * np.flatnonzero(joined)] = True
    drop[2 * np.flatnonzero(joined) - 1] = True
    bounds = bounds[~drop]
    counts = np.diff(np.r_[0, bounds, height * width]).astype(np.int64)
    return counts[:-1] if counts[-1] == 0 else counts  # a mask ending in 1s ends there


def polygon_rle(
    polygon: Mapping[str, Any], *, height: int, width: int, compressed: bool = True
) -> dict[str, Any]:
    """COCO RLE of one polygon (its holes removed)."""
    runs, _, _ = image_runs([polygon], height=height, width=width)
    counts = runs_to_counts(runs, height=height, width=width)
    return {
        "size": [int(height), int(width)],
        "counts": compress(counts) if compressed else counts.tolist(),
    }


def coco_segmentation(polygon: Mapping[str, Any], *, height: int, width: int) -> Any:
    """The ``segmentation`` of one object in a COCO export.

    COCO's polygon form (a list of flat ``[x1, y1, x2, y2, ...]`` lists) has no holes — its
    rings are united — so a polygon without holes is exported as its point list and one with
    holes as compressed RLE, which pycocotools reads for ``iscrowd: 0`` objects as well.
    Either way ``pycocotools`` decodes exactly the pixels that ``rasterize`` gives.
    """
    if polygon.get("holes"):
        return polygon_rle(polygon, height=height, width=width)
    return [[float(v) for point in polygon["points"] for v in point]]
