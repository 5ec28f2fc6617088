"""Inspection sample data with known truth: defect outlines on surfaces, PCB template/test pairs.

    python datasets/inspection.py --out var/inspection --surfaces 60 --pairs 30 --seed 7

* ``surfaces/img_00000.png``: a steel or fabric surface with zero to three defects, each painted
  exactly over a known polygon (star-shaped blobs, thin scratches, zigzag cracks; some stains
  with a clean centre, i.e. a polygon with a hole); ``surfaces/masks/img_00000_mask.png`` is the
  union of the defects (255), as MVTec AD's ground truth; ``surfaces.jsonl`` holds each image's
  true ``image_polygons`` result (``{"polygons": [...], "ok": bool}``).
* ``pcb/pcb_00000_temp.png`` and ``pcb_00000_test.png``: a defect-free board (the template) and
  the same board with DeepPCB's defect types (open, short, mousebite, spur, copper, pin_hole)
  painted over known polygons; ``pcb.jsonl`` holds the polygons, the boxes around them (the
  ``image_boxes`` truth, as DeepPCB's ``x1,y1,x2,y2,type`` files give) and the template's file,
  ready to import with ``reference_image``.

Polygons are in pixels, origin top-left; a defect is painted with Pillow's polygon fill, whose
pixel rule differs from COCO's at the boundary by at most one pixel. Each image draws from its own
generator seeded with ``(seed, stream, index)``, so the same seed gives the same files. Needs only
NumPy and Pillow; ``datasets/`` is not a package (load this file by path, as ``generate.py``).
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

SURFACE_LABELS = ("scratch", "dent", "stain", "crack", "hole")
PCB_LABELS = ("open", "short", "mousebite", "spur", "copper", "pin_hole")
_SURFACE_STREAM, _PCB_STREAM = 3, 4
BOARD = (28.0, 92.0, 52.0)
COPPER = (196.0, 160.0, 84.0)

Ring = list[list[float]]


def _surfaces() -> Any:
    name = "jinbiao_datasets_surfaces"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("surfaces.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def _round(points: np.ndarray) -> Ring:
    return [[round(float(x), 1), round(float(y), 1)] for x, y in points]


def star(rng: np.random.Generator, cx: float, cy: float, radius: float, n: int) -> Ring:
    """A star-shaped blob: one point in each of ``n`` equal sectors around the centre, so it
    never crosses itself and holds its centre (no gap between points reaches half a turn)."""
    angles = (np.arange(n) + rng.uniform(0.1, 0.9, n)) * (2 * np.pi / n) + rng.uniform(0, 2 * np.pi)
    r = radius * rng.uniform(0.6, 1.0, n)
    return _round(np.stack([cx + r * np.cos(angles), cy + r * np.sin(angles)], axis=1))


def strip(x0: float, y0: float, x1: float, y1: float, half: float) -> Ring:
    """A thin quadrilateral along the segment (a scratch)."""
    d = np.array([x1 - x0, y1 - y0])
    n = np.array([-d[1], d[0]]) / max(float(np.hypot(*d)), 1e-9) * half
    a, b = np.array([x0, y0]), np.array([x1, y1])
    pts = np.stack([a + n, b + n, b - n, a - n])
    return _round(pts)


def zigzag(rng: np.random.Generator, x0: float, y0: float, length: float, half: float) -> Ring:
    """A crack: a jagged centre line, widened to a ring (upper side out, lower side back)."""
    k = int(rng.integers(4, 8))
    xs = x0 + np.linspace(0, length, k)
    ys = y0 + np.cumsum(rng.normal(0, length / (3 * k), k))
    upper = np.stack([xs, ys - half], axis=1)
    lower = np.stack([xs, ys + half], axis=1)[::-1]
    return _round(np.concatenate([upper, lower]))


def _fill(size: tuple[int, int], polygon: dict[str, Any]) -> np.ndarray:
    layer = Image.new("L", size, 0)
    draw = ImageDraw.Draw(layer)
    draw.polygon([tuple(p) for p in polygon["points"]], fill=255)
    for hole in polygon.get("holes", ()):
        draw.polygon([tuple(p) for p in hole], fill=0)
    return np.asarray(layer) > 0


def _surface_defect(rng: np.random.Generator, label: str, width: int, height: int) -> dict:
    margin = 24.0
    cx, cy = rng.uniform(margin, width - margin), rng.uniform(margin, height - margin)
    if label == "scratch":
        length = rng.uniform(40, min(width, height) * 0.6)
        angle = rng.uniform(0, np.pi)
        dx, dy = np.cos(angle) * length / 2, np.sin(angle) * length / 2
        x0, x1 = np.clip([cx - dx, cx + dx], 2, width - 2)
        y0, y1 = np.clip([cy - dy, cy + dy], 2, height - 2)
        return {"label": label, "points": strip(x0, y0, x1, y1, rng.uniform(1.0, 2.5))}
    if label == "crack":
        length = rng.uniform(40, width * 0.4)
        x0 = min(cx, width - length - 4)
        return {"label": label, "points": zigzag(rng, x0, cy, length, rng.uniform(1.2, 2.5))}
    radius = rng.uniform(8, 22) if label != "hole" else rng.uniform(5, 10)
    radius = min(radius, cx - 2, cy - 2, width - cx - 2, height - cy - 2)
    polygon = {"label": label, "points": star(rng, cx, cy, radius, int(rng.integers(6, 14)))}
    if label == "stain" and radius > 14 and rng.random() < 0.4:  # a ring stain: clean centre
        s = radius * 0.2
        polygon["holes"] = [
            _round(
                np.array([[cx - s, cy - s], [cx + s, cy - s], [cx + s, cy + s], [cx - s, cy + s]])
            )
        ]
    return polygon


_SHADE = {"scratch": 1.35, "dent": 0.7, "stain": (0.75, 0.6, 0.45), "crack": 0.35, "hole": 0.1}


def make_surface(index: int, rng: np.random.Generator) -> tuple[dict, bytes, bytes]:
    """One surface image: its record, PNG bytes and mask PNG bytes."""
    surfaces = _surfaces()
    width, height = (int(v) for v in rng.choice([(320, 240), (400, 300), (512, 384)]))
    arr = (surfaces.steel if rng.random() < 0.7 else surfaces.fabric)(rng, width, height)
    n = int(rng.choice([0, 1, 1, 2, 3]))
    polygons = [
        _surface_defect(rng, str(rng.choice(SURFACE_LABELS)), width, height) for _ in range(n)
    ]
    union = np.zeros((height, width), dtype=bool)
    for polygon in polygons:
        mask = _fill((width, height), polygon)
        arr[mask] *= np.asarray(_SHADE[polygon["label"]], dtype=np.float32)
        union |= mask
    record = {
        "external_id": f"img_{index:05d}",
        "file": f"surfaces/img_{index:05d}.png",
        "mask": f"surfaces/masks/img_{index:05d}_mask.png",
        "width": width,
        "height": height,
        "result": {"polygons": polygons, "ok": not polygons},
    }
    return record, _png(arr), _png_mask(union)


def _board(rng: np.random.Generator, width: int, height: int) -> tuple[np.ndarray, list[tuple]]:
    """A template board: copper traces (horizontal and vertical bands) with round pads."""
    arr = np.empty((height, width, 3), dtype=np.float32)
    arr[:] = BOARD
    traces = []
    for _ in range(int(rng.integers(4, 8))):
        half = float(rng.integers(3, 6))
        if rng.random() < 0.5:
            y = float(rng.integers(20, height - 20))
            x0, x1 = sorted(float(v) for v in rng.integers(10, width - 10, 2))
            if x1 - x0 < 60:
                continue
            arr[int(y - half) : int(y + half), int(x0) : int(x1)] = COPPER
            traces.append(("h", x0, x1, y, half))
        else:
            x = float(rng.integers(20, width - 20))
            y0, y1 = sorted(float(v) for v in rng.integers(10, height - 10, 2))
            if y1 - y0 < 60:
                continue
            arr[int(y0) : int(y1), int(x - half) : int(x + half)] = COPPER
            traces.append(("v", y0, y1, x, half))
    return arr, traces


def _pcb_defect(rng: np.random.Generator, label: str, trace: tuple) -> dict:
    """A defect on or next to a trace, in the trace's own coordinates (along, across)."""
    direction, a0, a1, c, half = trace
    at = rng.uniform(a0 + 15, a1 - 15)
    if label == "open":  # the trace is cut: board colour across it
        ring = [[at - 3, c - half], [at + 3, c - half], [at + 3, c + half], [at - 3, c + half]]
    elif label == "short":  # copper bridging out to the side
        ring = [
            [at - 3, c + half],
            [at + 3, c + half],
            [at + 3, c + half + 18],
            [at - 3, c + half + 18],
        ]
    elif label == "spur":  # a copper spike off the edge
        ring = [[at - 4, c - half], [at + 4, c - half], [at + 1, c - half - 10]]
    elif label == "mousebite":  # a bite out of the edge
        ring = [
            [at - 5, c - half],
            [at + 5, c - half],
            [at + 3, c - half + 3],
            [at - 3, c - half + 3],
        ]
    elif label == "pin_hole":  # a small hole inside the trace
        s = max(1.0, half / 2)
        ring = [[at - s, c - s], [at + s, c - s], [at + s, c + s], [at - s, c + s]]
    else:  # copper: spurious copper beside the trace
        pts = star(rng, 0, 0, 6, 7)
        ring = [[at + x, c + half + 14 + y] for x, y in pts]
    if direction == "v":
        ring = [[y, x] for x, y in ring]
    return {"label": label, "points": _round(np.asarray(ring, dtype=np.float64))}


def make_pcb_pair(index: int, rng: np.random.Generator) -> tuple[dict, bytes, bytes]:
    """A template/test pair: the record, the template PNG and the test PNG."""
    width, height = 400, 300
    while True:
        template, traces = _board(rng, width, height)
        if traces:
            break
    test = template.copy()
    polygons = []
    for _ in range(int(rng.choice([0, 1, 2, 3]))):
        trace = traces[int(rng.integers(len(traces)))]
        polygon = _pcb_defect(rng, str(rng.choice(PCB_LABELS)), trace)
        xy = np.asarray(polygon["points"])
        if xy.min() < 1 or (xy[:, 0] > width - 1).any() or (xy[:, 1] > height - 1).any():
            continue
        mask = _fill((width, height), polygon)
        board = polygon["label"] in ("open", "mousebite", "pin_hole")
        test[mask] = BOARD if board else COPPER
        polygons.append(polygon)
    boxes = []
    for polygon in polygons:
        xy = np.asarray(polygon["points"])
        (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
        boxes.append(
            {
                "label": polygon["label"],
                "x": float(x0),
                "y": float(y0),
                "w": float(x1 - x0),
                "h": float(y1 - y0),
            }
        )
    noise = rng.normal(0.0, 1.5, test.shape).astype(np.float32)
    record = {
        "external_id": f"pcb_{index:05d}",
        "file": f"pcb/pcb_{index:05d}_test.png",
        "template": f"pcb/pcb_{index:05d}_temp.png",
        "width": width,
        "height": height,
        "result": {"polygons": polygons, "ok": not polygons},
        "boxes": {"boxes": boxes, "ok": not boxes},
    }
    return record, _png(template + noise), _png(test + noise)


def _png(arr: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8), "RGB").save(
        out, "PNG", compress_level=3
    )
    return out.getvalue()


def _png_mask(mask: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(mask.astype(np.uint8) * 255, "L").save(out, "PNG")
    return out.getvalue()


def generate(
    out_dir: str | Path, *, n_surfaces: int = 60, n_pairs: int = 30, seed: int = 7
) -> dict[str, Any]:
    """Write both sets under ``out_dir``; the summary names the manifests."""
    out = Path(out_dir)
    (out / "surfaces" / "masks").mkdir(parents=True, exist_ok=True)
    (out / "pcb").mkdir(parents=True, exist_ok=True)
    surfaces, pairs = [], []
    for i in range(n_surfaces):
        record, image, mask = make_surface(i, np.random.default_rng([seed, _SURFACE_STREAM, i]))
        (out / record["file"]).write_bytes(image)
        (out / record["mask"]).write_bytes(mask)
        surfaces.append(record)
    for i in range(n_pairs):
        record, template, test = make_pcb_pair(i, np.random.default_rng([seed, _PCB_STREAM, i]))
        (out / record["template"]).write_bytes(template)
        (out / record["file"]).write_bytes(test)
        pairs.append(record)
    for name, records in (("surfaces.jsonl", surfaces), ("pcb.jsonl", pairs)):
        with open(out / name, "w", encoding="utf-8", newline="\n") as fh:
            for record in records:
                fh.write(json.dumps(record, separators=(",", ":")) + "\n")
    return {
        "out_dir": str(out),
        "surfaces_manifest": str(out / "surfaces.jsonl"),
        "pcb_manifest": str(out / "pcb.jsonl"),
        "surface_labels": list(SURFACE_LABELS),
        "pcb_labels": list(PCB_LABELS),
        "counts": {"surfaces": n_surfaces, "pairs": n_pairs},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("var/inspection"))
    parser.add_argument("--surfaces", type=int, default=60)
    parser.add_argument("--pairs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    summary = generate(args.out, n_surfaces=args.surfaces, n_pairs=args.pairs, seed=args.seed)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
