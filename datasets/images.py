"""Compose one surface-inspection image with its true boxes and image-level class.

The image class is drawn first (uniformly over the seven classes, so the classes are balanced),
then a surface on which that defect can occur, then one to three defects of that class and,
sometimes, one smaller defect of another class. The image-level class written to the manifest is
the class covering the largest total box area ("ok" when there is no box): the rule an annotator
is told, computed from the boxes actually drawn rather than from the intention.
"""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image


def _sibling(name: str) -> Any:
    """Load a module next to this file by path: ``datasets/`` is deliberately not a package."""
    mod_name = f"jinbiao_datasets_{name}"
    if mod_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            mod_name, Path(__file__).with_name(f"{name}.py")
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[mod_name] = module
        spec.loader.exec_module(module)
    return sys.modules[mod_name]


surfaces = _sibling("surfaces")
defects = _sibling("defects")

IMAGE_CLASSES = ("ok", "scratch", "dent", "stain", "crack", "hole", "missing_component")
SIZES = (
    (320, 320),
    (400, 300),
    (448, 336),
    (480, 360),
    (512, 384),
    (512, 512),
    (600, 400),
    (640, 480),
    (384, 512),
)
_MIN_AREA = 24.0  # a defect smaller than this (in px²) would be unfair to annotate; redraw it


def _pick(seq: Any, rng: np.random.Generator) -> Any:
    return seq[int(rng.integers(len(seq)))]


def _apart(a: tuple[float, ...], b: tuple[float, ...], margin: float = 4.0) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return (
        ax + aw + margin <= bx
        or bx + bw + margin <= ax
        or ay + ah + margin <= by
        or by + bh + margin <= ay
    )


def _paint(
    arr: np.ndarray,
    rng: np.random.Generator,
    label: str,
    surface: str,
    scale: float,
    taken: list[tuple[float, ...]],
) -> tuple[float, ...] | None:
    """Draw one defect where it does not touch another; None if no place was found."""
    height, width = arr.shape[:2]
    for _ in range(12):
        defect = defects.PAINTERS[label](rng, surface, width, height, scale)
        box = defects.bbox(defect.alpha)
        if box is None or box[2] * box[3] < _MIN_AREA:
            continue
        if all(_apart(box, other) for other in taken):
            defect.apply(arr)
            return box
    return None


def dominant(boxes: list[dict[str, Any]]) -> str:
    """The class with the largest total box area; "ok" when there are no boxes."""
    area: dict[str, float] = {}
    for b in boxes:
        area[b["label"]] = area.get(b["label"], 0.0) + b["w"] * b["h"]
    if not area:
        return "ok"
    return max(IMAGE_CLASSES, key=lambda c: (area.get(c, -1.0), -IMAGE_CLASSES.index(c)))


def _surface_for(label: str, rng: np.random.Generator) -> str:
    options = [s for s, allowed in defects.BY_SURFACE.items() if label == "ok" or label in allowed]
    return _pick(options, rng)


def make_image(index: int, rng: np.random.Generator) -> tuple[dict[str, Any], bytes]:
    """One image: its manifest record (without sha256) and its encoded bytes."""
    intended = _pick(IMAGE_CLASSES, rng)
    surface = _surface_for(intended, rng)
    width, height = _pick(SIZES, rng)
    n_main = 0 if intended == "ok" else 1 + int(rng.random() < 0.35) + int(rng.random() < 0.1)
    boxes: list[dict[str, Any]] = []
    if surface == "pcb":
        n_missing = n_main if intended == "missing_component" else 0
        arr, missing = surfaces.pcb(rng, width, height, n_missing)
        boxes += [
            {"label": "missing_component", "x": x, "y": y, "w": w, "h": h} for x, y, w, h in missing
        ]
    else:
        arr = getattr(surfaces, surface)(rng, width, height)
    taken: list[tuple[float, ...]] = [(b["x"], b["y"], b["w"], b["h"]) for b in boxes]
    plan = [] if intended in ("ok", "missing_component") else [(intended, 1.0)] * n_main
    if intended != "ok" and rng.random() < 0.25:
        others = [
            c for c in defects.BY_SURFACE[surface] if c not in (intended, "missing_component")
        ]
        plan.append((_pick(others, rng), 0.5))
    for label, scale in plan:
        box = _paint(arr, rng, label, surface, scale, taken)
        if box is not None:
            taken.append(box)
            boxes.append({"label": label, "x": box[0], "y": box[1], "w": box[2], "h": box[3]})
    arr += rng.normal(0.0, 2.0, arr.shape).astype(np.float32)
    picture = Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8), "RGB")
    fmt = "PNG" if rng.random() < 0.5 else "JPEG"
    buffer = io.BytesIO()
    if fmt == "PNG":
        picture.save(buffer, "PNG", compress_level=3)
    else:
        picture.save(buffer, "JPEG", quality=int(rng.integers(85, 96)))
    ext = "png" if fmt == "PNG" else "jpg"
    record = {
        "external_id": f"img_{index:05d}",
        "file": f"images/img_{index:05d}.{ext}",
        "width": width,
        "height": height,
        "format": fmt,
        "surface": surface,
        "label": dominant(boxes),
        "boxes": boxes,
    }
    return record, buffer.getvalue()
