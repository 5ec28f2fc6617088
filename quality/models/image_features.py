"""Image features from Pillow and NumPy: colour, gradient orientation and texture statistics.

An image is resized to a working size and turned into per-pixel channel maps; the feature
vector of any rectangle is a few sums of those maps, read in O(1) from summed-area tables
(F. C. Crow, "Summed-area tables for texture mapping", SIGGRAPH 1984,
https://doi.org/10.1145/800031.808600), so whole images, grid cells and thousands of sliding
windows all cost the same few array operations. The channels:

* gradient orientation histogram, 9 unsigned bins weighted by magnitude, L2-normalised per
  region (N. Dalal and B. Triggs, "Histograms of Oriented Gradients for Human Detection",
  CVPR 2005, https://doi.org/10.1109/CVPR.2005.177), plus mean and spread of the magnitude;
* rotation-invariant uniform local binary patterns, 8 neighbours at radius 1, 10 bins (T. Ojala,
  M. Pietikäinen and T. Mäenpää, "Multiresolution gray-scale and rotation invariant texture
  classification with local binary patterns", IEEE TPAMI 24(7):971-987, 2002,
  https://doi.org/10.1109/TPAMI.2002.1017623);
* colour moments (mean and standard deviation of R, G, B; M. Stricker and M. Orengo,
  "Similarity of color images", SPIE 2420, 1995, https://doi.org/10.1117/12.205308) and a
  coarse 2×2×2 colour histogram;
* the residual against a local box blur (mean, spread, mean absolute value): a defect is a
  local departure from the surface texture, whatever its colour.

Images come decoded (``PIL.Image.Image`` or arrays); nothing here reads files.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

N_ORIENTATIONS = 9
N_LBP = 10
N_COLOUR_BINS = 8
# channel layout of the maps (and of a region's sums)
_ORI = slice(0, N_ORIENTATIONS)
_MAG, _MAG2 = N_ORIENTATIONS, N_ORIENTATIONS + 1
_LBP = slice(_MAG2 + 1, _MAG2 + 1 + N_LBP)
_RES = _LBP.stop  # residual, residual², |residual|
_RGB = _RES + 3  # R, G, B, R², G², B²
_HIST = slice(_RGB + 6, _RGB + 6 + N_COLOUR_BINS)
N_CHANNELS = _HIST.stop
N_REGION_FEATURES = N_ORIENTATIONS + 2 + N_LBP + 3 + 6 + N_COLOUR_BINS


def to_rgb_array(image: Any, size: int | None = None) -> tuple[NDArray[np.float32], float]:
    """RGB floats in [0, 1], resized so the longer side is ``size``, and the scale used.

    Accepts a ``PIL.Image.Image`` in any mode or an array (H, W) / (H, W, 3|4), uint8 or floats
    in [0, 1]. The scale maps original pixels to working pixels (``working = original * s``).
    """
    if isinstance(image, Image.Image):
        picture = image.convert("RGB")
    else:
        arr = np.asarray(image)
        if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (3, 4)):
            raise ValueError(f"an image array is (H, W) or (H, W, 3|4), not {arr.shape}")
        if arr.dtype != np.uint8:
            arr = np.clip(np.asarray(arr, dtype=np.float64) * 255.0 + 0.5, 0, 255).astype(np.uint8)
        picture = Image.fromarray(arr).convert("RGB")
    width, height = picture.size
    if width < 1 or height < 1:
        raise ValueError("an image needs at least one pixel")
    scale = 1.0
    if size is not None:
        scale = size / max(width, height)
        target = (max(1, round(width * scale)), max(1, round(height * scale)))
        picture = picture.resize(target, Image.Resampling.BILINEAR)
    return np.asarray(picture, dtype=np.float32) / 255.0, scale


def _box_blur(grey: NDArray[np.float32], radius: int) -> NDArray[np.float32]:
    """Mean over a (2r+1)² window clipped at the edges, from one summed-area table."""
    h, w = grey.shape
    table = np.zeros((h + 1, w + 1), dtype=np.float32)
    table[1:, 1:] = grey.cumsum(0, dtype=np.float32).cumsum(1)
    y0 = np.clip(np.arange(h) - radius, 0, h)[:, None]
    y1 = np.clip(np.arange(h) + radius + 1, 0, h)[:, None]
    x0 = np.clip(np.arange(w) - radius, 0, w)[None, :]
    x1 = np.clip(np.arange(w) + radius + 1, 0, w)[None, :]
    total = table[y1, x1] - table[y0, x1] - table[y1, x0] + table[y0, x0]
    return (total / ((y1 - y0) * (x1 - x0))).astype(np.float32)


def _lbp_riu2(grey: NDArray[np.float32], threshold: float = 0.01) -> NDArray[np.int64]:
    """Rotation-invariant uniform LBP code (0-8 ones in a uniform pattern, 9 otherwise)."""
    padded = np.pad(grey, 1, mode="edge")
    h, w = grey.shape
    ring = ((0, 0), (0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (1, 0))
    bits = np.stack(
        [padded[dy : dy + h, dx : dx + w] >= grey + threshold for dy, dx in ring]
    ).astype(np.int8)
    changes = np.abs(bits - np.roll(bits, 1, axis=0)).sum(axis=0)
    return np.where(changes <= 2, bits.sum(axis=0), 9).astype(np.int64)


def channel_maps(rgb: NDArray[np.float32]) -> NDArray[np.float32]:
    """Per-pixel channels (N_CHANNELS, H, W) whose region means make the region features."""
    h, w, _ = rgb.shape
    grey = rgb @ np.asarray([0.299, 0.587, 0.114], dtype=np.float32)
    gy, gx = np.gradient(grey)
    magnitude = np.hypot(gx, gy)
    angle = np.mod(np.arctan2(gy, gx), np.pi)
    bins = np.minimum((angle / np.pi * N_ORIENTATIONS).astype(np.int8), N_ORIENTATIONS - 1)
    maps = np.empty((N_CHANNELS, h, w), dtype=np.float32)
    for k in range(N_ORIENTATIONS):
        np.multiply(bins == k, magnitude, out=maps[k])
    maps[_MAG], maps[_MAG2] = magnitude, magnitude**2
    lbp = _lbp_riu2(grey)
    for k in range(N_LBP):
        maps[_LBP.start + k] = lbp == k
    residual = grey - _box_blur(grey, max(2, max(h, w) // 24))
    maps[_RES], maps[_RES + 1], maps[_RES + 2] = residual, residual**2, abs(residual)
    maps[_RGB : _RGB + 3] = rgb.transpose(2, 0, 1)
    maps[_RGB + 3 : _RGB + 6] = maps[_RGB : _RGB + 3] ** 2
    code = (rgb >= 0.5).astype(np.int8) @ np.asarray([4, 2, 1], dtype=np.int8)
    for k in range(N_COLOUR_BINS):
        maps[_HIST.start + k] = code == k
    return maps


def summed_area(maps: NDArray[np.float32]) -> NDArray[np.float32]:
    """Summed-area table (C, H+1, W+1) of the channel maps.

    float32 on purpose: half the memory traffic of float64, and at the working size (a few
    hundred pixels a side, values of order 1) the rounding of a window's mean stays below 1e-4.
    """
    c, h, w = maps.shape
    sums = np.cumsum(maps, axis=1, dtype=np.float32)
    np.cumsum(sums, axis=2, out=sums)
    table = np.zeros((c, h + 1, w + 1), dtype=np.float32)
    table[:, 1:, 1:] = sums
    return table


def region_means(table: NDArray[np.float32], rects: NDArray[np.int64]) -> NDArray[np.float64]:
    """Mean of every channel in each rectangle ``(x0, y0, x1, y1)`` (end exclusive, non-empty)."""
    x0, y0, x1, y1 = (rects[:, i] for i in range(4))
    total = table[:, y1, x1] - table[:, y0, x1] - table[:, y1, x0] + table[:, y0, x0]
    area = ((x1 - x0) * (y1 - y0)).astype(np.float64)
    return (total.astype(np.float64) / area).T


def grid_means(maps: NDArray[np.float32], cells: int) -> NDArray[np.float64]:
    """Channel means of the cells of a ``cells × cells`` grid, row by row (cells², C)."""
    c, h, w = maps.shape
    ys = np.unique(np.linspace(0, h, min(cells, h) + 1).astype(np.int64)[:-1])
    xs = np.unique(np.linspace(0, w, min(cells, w) + 1).astype(np.int64)[:-1])
    sums = np.add.reduceat(np.add.reduceat(maps, xs, axis=2), ys, axis=1).astype(np.float64)
    area = np.diff(np.append(ys, h))[:, None] * np.diff(np.append(xs, w))[None, :]
    return (sums / area).reshape(c, -1).T


def region_features(means: NDArray[np.float64]) -> NDArray[np.float64]:
    """Region feature vectors (n, N_REGION_FEATURES) from channel means."""
    ori = means[:, _ORI]
    ori = ori / np.maximum(np.linalg.norm(ori, axis=1, keepdims=True), 1e-9)
    mag = means[:, _MAG]
    mag_sd = np.sqrt(np.maximum(means[:, _MAG2] - mag**2, 0.0))
    res = means[:, _RES]
    res_sd = np.sqrt(np.maximum(means[:, _RES + 1] - res**2, 0.0))
    colour = means[:, _RGB : _RGB + 3]
    colour_sd = np.sqrt(np.maximum(means[:, _RGB + 3 : _RGB + 6] - colour**2, 0.0))
    parts = [ori, mag[:, None], mag_sd[:, None], means[:, _LBP], res[:, None], res_sd[:, None]]
    parts += [means[:, _RES + 2 : _RES + 3], colour, colour_sd, means[:, _HIST]]
    return np.concatenate(parts, axis=1)


def image_features(
    image: Any, size: int = 256, grids: tuple[int, ...] = (4, 8, 16)
) -> NDArray[np.float64]:
    """One vector per image: whole-image features, then per grid the largest and smallest
    departure of a cell from the whole image, feature by feature (a small defect changes a few
    cells strongly and the whole image barely, so max/min pooling keeps it visible wherever it
    is)."""
    rgb, _ = to_rgb_array(image, size)
    maps = channel_maps(rgb)
    whole = region_features(maps.reshape(N_CHANNELS, -1).mean(axis=1, dtype=np.float64)[None])[0]
    parts = [whole]
    for cells in grids:
        delta = region_features(grid_means(maps, cells)) - whole
        parts += [delta.max(axis=0), delta.min(axis=0)]
    return np.concatenate(parts)


def images_features(
    images: Any, size: int = 256, grids: tuple[int, ...] = (4, 8, 16)
) -> NDArray[np.float64]:
    """:func:`image_features` of each image, stacked (n, d); (0, d) for no images."""
    rows = [image_features(image, size, grids) for image in images]
    if not rows:
        return np.zeros((0, N_REGION_FEATURES * (1 + 2 * len(grids))))
    return np.vstack(rows)
