"""Reference adapter: interactive point prompts (SAM-style) behind Jinbiao's outside-model
protocol.

``POST /predict`` takes a batch (``examples/README.md``). Items with a ``prompt`` (the annotator
clicked a point in the box or polygon tool, ``"mode": "interactive"``) get the object under the
point: a box (``image_boxes``) or its outline (``image_polygons``). Items without a prompt are
left out (the platform records ``missing``): this adapter only answers clicks.

With ``segment_anything`` installed and ``SAM_CHECKPOINT`` naming a checkpoint you downloaded, the
mask comes from Segment Anything's point prompt (Kirillov et al., "Segment Anything", ICCV 2023,
https://doi.org/10.1109/ICCV51070.2023.00371; https://github.com/facebookresearch/segment-anything).
Without it, seeded region growing stands in (Adams & Bischof, "Seeded region growing", IEEE
TPAMI 16(6), 1994, https://doi.org/10.1109/34.295913, in its simplest form): the pixels
connected to the clicked one whose colour is within ``TOLERANCE`` of the seed's, so the protocol
runs here without any weights.
"""

from __future__ import annotations

import io
import os
from typing import Any

import httpx
import numpy as np
from fastapi import FastAPI
from PIL import Image
from pydantic import BaseModel
from scipy import ndimage
from scipy.spatial import ConvexHull, QhullError

app = FastAPI(title="Jinbiao outside model: point prompts")
TOLERANCE = float(os.environ.get("TOLERANCE", "40"))
# Relative media links (JINBIAO_PUBLIC_URL unset on the platform) are resolved against this.
JINBIAO_URL = os.environ.get("JINBIAO_URL", "")


class Prompt(BaseModel):
    points: list[list[float]]
    point_labels: list[int] = []
    label: str | None = None


class BatchItem(BaseModel):
    id: int
    kind: str
    text: str | None = None
    media_url: str | None = None
    width: int | None = None
    height: int | None = None
    prompt: Prompt | None = None


class Batch(BaseModel):
    project_id: int
    kind: str
    labels: list[str]
    mode: str = "batch"
    items: list[BatchItem]


def _load_sam() -> Any:
    checkpoint = os.environ.get("SAM_CHECKPOINT")
    if not checkpoint:
        return None
    from segment_anything import SamPredictor, sam_model_registry  # optional dependency

    model = sam_model_registry[os.environ.get("SAM_MODEL", "vit_b")](checkpoint=checkpoint)
    return SamPredictor(model)


SAM = _load_sam()


def _mask(rgb: np.ndarray, points: list[list[float]]) -> np.ndarray:
    """A boolean mask of the object under the first point."""
    if SAM is not None:
        SAM.set_image(rgb)
        masks, scores, _ = SAM.predict(
            point_coords=np.asarray(points, dtype=np.float32),
            point_labels=np.ones(len(points), dtype=np.int32),
            multimask_output=True,
        )
        return masks[int(np.argmax(scores))]
    return region_grow(rgb, points[0], tolerance=TOLERANCE)


def region_grow(rgb: np.ndarray, point: list[float], *, tolerance: float) -> np.ndarray:
    """The 4-connected pixels around ``point`` whose colour is within ``tolerance`` (Euclidean,
    RGB) of the mean colour of the 3×3 patch at the point."""
    height, width = rgb.shape[:2]
    x = min(max(int(point[0]), 0), width - 1)
    y = min(max(int(point[1]), 0), height - 1)
    pixels = rgb.astype(np.float64)
    seed = pixels[max(y - 1, 0) : y + 2, max(x - 1, 0) : x + 2].reshape(-1, 3).mean(axis=0)
    similar = np.linalg.norm(pixels - seed, axis=2) <= tolerance
    regions, _ = ndimage.label(similar)
    return regions == regions[y, x] if regions[y, x] else np.zeros_like(similar)


def _answer(item: BatchItem, rgb: np.ndarray, labels: list[str]) -> dict[str, Any] | None:
    assert item.prompt is not None
    label = item.prompt.label if item.prompt.label in labels else labels[0]
    mask = _mask(rgb, item.prompt.points)
    if not mask.any():
        return {"id": item.id, "result": _empty(item.kind), "score": 0.0}
    ys, xs = np.nonzero(mask)
    share = float(mask.mean())
    score = round(max(0.05, 1.0 - share), 3)  # a region that floods the image is a poor guess
    if item.kind == "image_polygons":
        outline = _outline(xs, ys)
        if outline is None:
            return {"id": item.id, "result": _empty(item.kind), "score": 0.0}
        return {
            "id": item.id,
            "result": {"polygons": [{"label": label, "points": outline}]},
            "score": score,
        }
    x0, x1, y0, y1 = int(xs.min()), int(xs.max()) + 1, int(ys.min()), int(ys.max()) + 1
    box = {"label": label, "x": float(x0), "y": float(y0), "w": float(x1 - x0), "h": float(y1 - y0)}
    return {"id": item.id, "result": {"boxes": [box]}, "score": score}


def _outline(xs: np.ndarray, ys: np.ndarray) -> list[list[float]] | None:
    """The convex hull of the mask's pixel corners: a simple polygon inside the image."""
    shifts = [(dx, dy) for dx in (0, 1) for dy in (0, 1)]
    corners = np.concatenate([np.stack([xs + dx, ys + dy], axis=1) for dx, dy in shifts])
    try:
        hull = ConvexHull(corners)
    except QhullError:  # a line of pixels
        return None
    return [[float(corners[i, 0]), float(corners[i, 1])] for i in hull.vertices]


def _empty(kind: str) -> dict[str, Any]:
    return {"polygons": []} if kind == "image_polygons" else {"boxes": []}


@app.post("/predict")
def predict(batch: Batch) -> dict[str, Any]:
    results = []
    with httpx.Client(timeout=20.0, base_url=JINBIAO_URL) as client:
        for item in batch.items:
            if item.prompt is None or not item.media_url or not item.prompt.points:
                continue  # left out: the platform records "missing"
            answer = client.get(item.media_url)
            if answer.status_code != 200:
                continue
            rgb = np.asarray(Image.open(io.BytesIO(answer.content)).convert("RGB"))
            found = _answer(item, rgb, batch.labels)
            if found is not None:
                results.append(found)
    return {"results": results}
