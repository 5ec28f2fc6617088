"""Defect painters: scratch, dent, stain, crack and hole on a surface array.

A painter draws its defect into a coverage mask (``alpha``, 0–1, full image size) first and
returns it with a function that blends the defect into the picture. The true box is the bounding
box of the pixels whose coverage reaches ``VISIBLE`` (see ``bbox``), so the box is exactly what
can be seen, even where a defect runs off the edge of the image. ``missing_component`` is drawn by
the PCB surface itself (``surfaces.pcb``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

VISIBLE = 0.08  # coverage below this changes a pixel by less than ~8 % of the defect contrast

# Which defect classes make sense on which surface.
BY_SURFACE = {
    "steel": ("scratch", "dent", "stain", "crack", "hole"),
    "pcb": ("scratch", "stain", "crack", "missing_component"),
    "fabric": ("stain", "hole"),
}


class Defect(NamedTuple):
    label: str
    alpha: np.ndarray  # height × width coverage, 0–1
    apply: Callable[[np.ndarray], None]  # blends the defect into an RGB float array in place


def bbox(alpha: np.ndarray) -> tuple[float, float, float, float] | None:
    """Pixel-edge box (x, y, w, h) of the visible pixels, or None when nothing is visible."""
    ys, xs = np.nonzero(alpha >= VISIBLE)
    if len(xs) == 0:
        return None
    x0, x1, y0, y1 = int(xs.min()), int(xs.max()) + 1, int(ys.min()), int(ys.max()) + 1
    return float(x0), float(y0), float(x1 - x0), float(y1 - y0)


def _mask(
    size: tuple[int, int], draw: Callable[[ImageDraw.ImageDraw], None], blur: float
) -> np.ndarray:
    layer = Image.new("L", size, 0)
    draw(ImageDraw.Draw(layer))
    if blur > 0:
        layer = layer.filter(ImageFilter.GaussianBlur(blur))
    return np.asarray(layer, dtype=np.float32) / 255.0


def _blend(
    colour: np.ndarray | tuple[float, float, float], alpha: np.ndarray
) -> Callable[[np.ndarray], None]:
    def apply(arr: np.ndarray) -> None:
        a = alpha[..., None]
        arr *= 1.0 - a
        arr += a * np.asarray(colour, dtype=np.float32)

    return apply


def _centre(rng: np.random.Generator, width: int, height: int) -> tuple[float, float]:
    return float(rng.uniform(0.08, 0.92) * width), float(rng.uniform(0.08, 0.92) * height)


def scratch(
    rng: np.random.Generator, surface: str, width: int, height: int, scale: float
) -> Defect:
    """A thin, slightly curved line: bright bare metal on steel, copper showing on a PCB."""
    length = scale * min(width, height) * rng.uniform(0.25, 0.6)
    angle = rng.uniform(0, np.pi)
    cx, cy = _centre(rng, width, height)
    direction, normal = (
        np.array([np.cos(angle), np.sin(angle)]),
        np.array([-np.sin(angle), np.cos(angle)]),
    )
    bow = rng.normal(0, length * 0.06)
    t = np.linspace(-0.5, 0.5, 9)
    pts = [
        (
            cx + length * ti * direction[0] + bow * (1 - 4 * ti * ti) * normal[0],
            cy + length * ti * direction[1] + bow * (1 - 4 * ti * ti) * normal[1],
        )
        for ti in t
    ]
    line_width = int(rng.integers(1, 3))
    alpha = _mask((width, height), lambda d: d.line(pts, fill=255, width=line_width), 0.5)
    alpha *= rng.uniform(0.75, 1.0)
    if surface == "pcb":
        return Defect("scratch", alpha, _blend((196, 128, 64), alpha))
    return Defect("scratch", alpha, _blend((238, 240, 244), alpha * 0.8))


def dent(rng: np.random.Generator, surface: str, width: int, height: int, scale: float) -> Defect:
    """A shallow bowl: lit on one side and shaded on the other, with a faint bright rim."""
    base = scale * min(width, height)
    rx, ry = base * rng.uniform(0.05, 0.11), base * rng.uniform(0.05, 0.11)
    cx, cy = _centre(rng, width, height)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    dx, dy = (xx - cx) / rx, (yy - cy) / ry
    r2 = dx * dx + dy * dy
    light = rng.uniform(0, 2 * np.pi)
    inside = np.clip(1.0 - r2, 0.0, 1.0)
    shade = (np.cos(light) * dx + np.sin(light) * dy) * np.sqrt(inside) * rng.uniform(40, 70)
    rim = np.exp(-((np.sqrt(r2) - 1.0) ** 2) / 0.01) * 12.0
    effect = (shade - 8.0 * inside + rim).astype(np.float32)
    alpha = np.clip(np.abs(effect) / 20.0, 0.0, 1.0)  # changed by >= 1.6 grey levels: visible

    def apply(arr: np.ndarray) -> None:
        arr += effect[..., None]

    return Defect("dent", alpha, apply)


def stain(rng: np.random.Generator, surface: str, width: int, height: int, scale: float) -> Defect:
    """A soft irregular blot: oil or rust on steel, flux residue on a PCB, dirt on fabric."""
    radius = scale * min(width, height) * rng.uniform(0.06, 0.14)
    cx, cy = _centre(rng, width, height)
    blobs = []
    for _ in range(int(rng.integers(3, 8))):
        ox, oy = rng.normal(0, radius * 0.45, 2)
        r = radius * rng.uniform(0.35, 0.7)
        blobs.append([cx + ox - r, cy + oy - r * 0.8, cx + ox + r, cy + oy + r * 0.8])

    def draw(d: ImageDraw.ImageDraw) -> None:
        for b in blobs:
            d.ellipse(b, fill=255)

    alpha = _mask((width, height), draw, max(1.5, radius * 0.2)) * rng.uniform(0.45, 0.75)
    colours = {
        "steel": [(48, 42, 34), (140, 76, 36)],
        "pcb": [(170, 140, 60)],
        "fabric": [(70, 52, 34), (40, 36, 34)],
    }[surface]
    return Defect("stain", alpha, _blend(colours[int(rng.integers(len(colours)))], alpha))


def crack(rng: np.random.Generator, surface: str, width: int, height: int, scale: float) -> Defect:
    """A jagged dark line wandering from a start point, sometimes with a side branch."""
    step = rng.uniform(3, 6)
    n_steps = max(4, int(scale * min(width, height) * rng.uniform(0.2, 0.45) / step))
    walks = []
    x, y = _centre(rng, width, height)
    heading = rng.uniform(0, 2 * np.pi)
    main = [(x, y)]
    for _ in range(n_steps):
        heading += rng.normal(0, 0.35)
        x, y = x + step * np.cos(heading), y + step * np.sin(heading)
        main.append((x, y))
    walks.append(main)
    if rng.random() < 0.6:
        bx, by = main[int(rng.integers(1, len(main) - 1))]
        heading += rng.choice([-1.0, 1.0]) * rng.uniform(0.6, 1.2)
        branch = [(bx, by)]
        for _ in range(n_steps // 3):
            heading += rng.normal(0, 0.4)
            bx, by = bx + step * np.cos(heading), by + step * np.sin(heading)
            branch.append((bx, by))
        walks.append(branch)
    line_width = int(rng.integers(1, 3))

    def draw(d: ImageDraw.ImageDraw) -> None:
        for walk in walks:
            d.line(walk, fill=255, width=line_width, joint="curve")

    alpha = _mask((width, height), draw, 0.4)

    def apply(arr: np.ndarray) -> None:
        arr *= 1.0 - 0.8 * alpha[..., None]

    return Defect("crack", alpha, apply)


def hole(rng: np.random.Generator, surface: str, width: int, height: int, scale: float) -> Defect:
    """A round punched hole with a bright rim on steel; a frayed ragged hole in fabric."""
    radius = max(4.0, scale * min(width, height) * rng.uniform(0.025, 0.06))
    cx, cy = _centre(rng, width, height)
    if surface == "fabric":
        angles = np.sort(rng.uniform(0, 2 * np.pi, 14))
        radii = radius * rng.uniform(0.6, 1.3, 14)
        poly = [
            (cx + r * np.cos(a), cy + r * np.sin(a)) for a, r in zip(angles, radii, strict=True)
        ]
        threads = [
            (
                p,
                (
                    p[0] + (cx - p[0]) * rng.uniform(0.3, 0.7),
                    p[1] + (cy - p[1]) * rng.uniform(0.3, 0.7),
                ),
            )
            for p in poly[::2]
        ]
        core = _mask((width, height), lambda d: d.polygon(poly, fill=255), 0.8)
        fray = _mask((width, height), lambda d: [d.line(t, fill=255, width=1) for t in threads], 0)

        def apply_fabric(arr: np.ndarray) -> None:
            _blend((22, 20, 19), core)(arr)
            _blend((200, 194, 180), fray * 0.7)(arr)

        return Defect("hole", np.maximum(core, fray * 0.7), apply_fabric)
    box = [cx - radius, cy - radius, cx + radius, cy + radius]
    outer = [cx - radius - 2, cy - radius - 2, cx + radius + 2, cy + radius + 2]
    core = _mask((width, height), lambda d: d.ellipse(box, fill=255), 0.6)
    rim = _mask((width, height), lambda d: d.ellipse(outer, outline=255, width=3), 0.8)

    def apply_steel(arr: np.ndarray) -> None:
        arr += (rim * 55.0)[..., None]
        _blend((18, 18, 20), core * 0.95)(arr)

    return Defect("hole", np.maximum(core, rim), apply_steel)


PAINTERS: dict[str, Callable[[np.random.Generator, str, int, int, float], Defect]] = {
    "scratch": scratch,
    "dent": dent,
    "stain": stain,
    "crack": crack,
    "hole": hole,
}
