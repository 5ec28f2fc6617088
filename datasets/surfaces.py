"""Clean surfaces to paint defects on: brushed steel sheet, printed circuit board, woven fabric.

Each function returns a float32 RGB array (height × width × 3, values 0–255) so that the defect
painters can blend into it with NumPy. Everything is drawn from the numpy Generator it is given,
so one seed gives one picture. The PCB also returns the footprints it left empty when asked for
missing components, because only the board drawing knows where its components sit.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

Box = tuple[float, float, float, float]  # x, y, w, h in pixels, origin top-left


def _smooth_rows(noise: np.ndarray, window: int) -> np.ndarray:
    """Moving average along each row: long horizontal streaks like a brushed finish."""
    padded = np.concatenate([noise, noise[:, :window]], axis=1)
    csum = np.cumsum(padded, axis=1)
    return (csum[:, window:] - csum[:, :-window])[:, : noise.shape[1]] / window


def steel(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """Brushed stainless sheet: grey with fine streaks along the brushing direction."""
    vertical = rng.random() < 0.3
    h, w = (width, height) if vertical else (height, width)
    fine = _smooth_rows(rng.normal(0.0, 1.0, (h, w)), int(rng.integers(20, 60)))
    rows = rng.normal(0.0, 1.0, (h, 1)) * 0.6
    field = fine * 14.0 + rows * 6.0
    if vertical:
        field = field.T
    base = float(rng.uniform(150, 190))
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    light = (np.cos(angle) * xx / width + np.sin(angle) * yy / height) * rng.uniform(10, 30)
    grey = base + field + light
    tint = np.array([1.0, 1.01, 1.04], dtype=np.float32)
    return (grey[..., None] * tint).astype(np.float32)


def fabric(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """Plain weave: warp and weft threads alternate over and under, each with its own shade."""
    palette = [
        (62, 84, 128),
        (190, 172, 134),
        (140, 140, 146),
        (64, 96, 74),
        (222, 218, 208),
        (150, 52, 48),
    ]
    colour = np.array(palette[int(rng.integers(len(palette)))], dtype=np.float32)
    period = int(rng.integers(6, 11))
    yy, xx = np.mgrid[0:height, 0:width]
    u, v = (xx % period) / period, (yy % period) / period
    cols, rows = xx // period, yy // period
    warp_over = (cols + rows) % 2 == 0
    warp = np.sin(np.pi * u) * (0.8 + 0.2 * np.sin(np.pi * v))
    weft = np.sin(np.pi * v) * (0.8 + 0.2 * np.sin(np.pi * u))
    profile = np.where(warp_over, warp, weft)
    col_shade = rng.normal(0.0, 0.05, width // period + 2)[cols]
    row_shade = rng.normal(0.0, 0.05, height // period + 2)[rows]
    shade = 0.55 + 0.45 * profile + np.where(warp_over, col_shade, row_shade)
    return (shade[..., None] * colour).astype(np.float32)


_MASK_GREEN = (28, 96, 52)
_TRACE_GREEN = (52, 130, 70)
_PAD = (200, 200, 196)
_SILK = (235, 235, 225)


def _footprints(rng: np.random.Generator, width: int, height: int) -> list[tuple[str, Box]]:
    """Non-overlapping component footprints (kind, box) scattered over the board."""
    sizes = {"ic": (46, 30), "chip": (18, 10), "cap": (22, 22), "sot": (16, 14)}
    kinds = list(sizes)
    placed: list[tuple[str, Box]] = []
    for _ in range(int(width * height / 2500)):
        kind = kinds[int(rng.integers(len(kinds)))]
        scale = rng.uniform(0.9, 1.4)
        w, h = (s * scale for s in sizes[kind])
        if rng.random() < 0.5:
            w, h = h, w
        x, y = rng.uniform(6, width - w - 6), rng.uniform(6, height - h - 6)
        if all(
            x + w + 8 < bx or bx + bw + 8 < x or y + h + 8 < by or by + bh + 8 < y
            for _k, (bx, by, bw, bh) in placed
        ):
            placed.append((kind, (x, y, w, h)))
    return placed


def _traces(draw: ImageDraw.ImageDraw, rng: np.random.Generator, width: int, height: int) -> None:
    for _ in range(int(rng.integers(10, 22))):
        x, y = float(rng.uniform(0, width)), float(rng.uniform(0, height))
        points = [(x, y)]
        for _ in range(int(rng.integers(2, 5))):
            if rng.random() < 0.5:
                x = float(rng.uniform(0, width))
            else:
                y = float(rng.uniform(0, height))
            points.append((x, y))
        draw.line(points, fill=_TRACE_GREEN, width=int(rng.integers(2, 5)), joint="curve")
    for _ in range(int(rng.integers(8, 20))):
        cx, cy, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(2.5, 4.5)
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=_PAD, outline=(150, 120, 60))
        draw.ellipse([cx - 1.2, cy - 1.2, cx + 1.2, cy + 1.2], fill=(20, 30, 20))


def _pads(draw: ImageDraw.ImageDraw, kind: str, box: Box) -> None:
    x, y, w, h = box
    if kind == "ic":
        horizontal = w >= h
        n = max(3, int((w if horizontal else h) // 7))
        for i in range(n):
            t = (i + 0.5) / n
            if horizontal:
                px = x + t * w
                draw.rectangle([px - 1.5, y, px + 1.5, y + 5], fill=_PAD)
                draw.rectangle([px - 1.5, y + h - 5, px + 1.5, y + h], fill=_PAD)
            else:
                py = y + t * h
                draw.rectangle([x, py - 1.5, x + 5, py + 1.5], fill=_PAD)
                draw.rectangle([x + w - 5, py - 1.5, x + w, py + 1.5], fill=_PAD)
    elif kind == "cap":
        draw.rectangle([x + 2, y + h * 0.35, x + w * 0.3, y + h * 0.65], fill=_PAD)
        draw.rectangle([x + w * 0.7, y + h * 0.35, x + w - 2, y + h * 0.65], fill=_PAD)
    elif w >= h:
        draw.rectangle([x + 1, y + 2, x + w * 0.33, y + h - 2], fill=_PAD)
        draw.rectangle([x + w * 0.67, y + 2, x + w - 1, y + h - 2], fill=_PAD)
    else:
        draw.rectangle([x + 2, y + 1, x + w - 2, y + h * 0.33], fill=_PAD)
        draw.rectangle([x + 2, y + h * 0.67, x + w - 2, y + h - 1], fill=_PAD)


def _body(draw: ImageDraw.ImageDraw, rng: np.random.Generator, kind: str, box: Box) -> None:
    x, y, w, h = box
    if kind == "ic":
        inset = 5 if w >= h else 0
        side = 0 if w >= h else 5
        draw.rectangle([x + side, y + inset, x + w - side, y + h - inset], fill=(24, 24, 26))
        draw.ellipse([x + side + 3, y + inset + 3, x + side + 6, y + inset + 6], fill=(90, 90, 90))
    elif kind == "cap":
        draw.ellipse(
            [x + 3, y + 3, x + w - 3, y + h - 3],
            fill=(170, 172, 178),
            outline=(60, 60, 70),
            width=2,
        )
        draw.pieslice([x + 3, y + 3, x + w - 3, y + h - 3], 200, 340, fill=(40, 40, 50))
    else:
        shade = (30, 30, 32) if rng.random() < 0.5 else (150, 120, 90)
        if w >= h:
            draw.rectangle([x + w * 0.22, y + 1, x + w * 0.78, y + h - 1], fill=shade)
        else:
            draw.rectangle([x + 1, y + h * 0.22, x + w - 1, y + h * 0.78], fill=shade)


def pcb(
    rng: np.random.Generator, width: int, height: int, n_missing: int = 0
) -> tuple[np.ndarray, list[Box]]:
    """Green board with traces, vias and components; ``n_missing`` footprints left bare.

    Returns the picture and the boxes of the bare footprints (their silkscreen outline), which
    are the true boxes of the ``missing_component`` defects.
    """
    img = Image.new("RGB", (width, height), _MASK_GREEN)
    draw = ImageDraw.Draw(img)
    _traces(draw, rng, width, height)
    footprints = _footprints(rng, width, height)
    missing = set(rng.permutation(len(footprints))[: min(n_missing, len(footprints))].tolist())
    boxes: list[Box] = []
    for i, (kind, (x, y, w, h)) in enumerate(footprints):
        x0, y0, x1, y1 = round(x) - 3, round(y) - 3, round(x + w) + 3, round(y + h) + 3
        draw.rectangle([x0, y0, x1, y1], outline=_SILK, width=1)
        _pads(draw, kind, (x, y, w, h))
        if i in missing:
            boxes.append((float(x0), float(y0), float(x1 - x0 + 1), float(y1 - y0 + 1)))
        else:
            _body(draw, rng, kind, (x, y, w, h))
    img = img.filter(ImageFilter.GaussianBlur(0.6))
    arr = np.asarray(img, dtype=np.float32).copy()
    arr += rng.normal(0.0, 3.0, (height, width, 1)).astype(np.float32)
    return arr, boxes
