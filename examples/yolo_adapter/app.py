"""Reference adapter: a YOLO-style detector behind Jinbiao's outside-model protocol.

``POST /predict`` takes a batch (``examples/README.md``), fetches each image through its signed
link, runs the detector and answers ``{"results": [{id, result: {boxes}, score}]}`` in image
pixels, with only the project's labels. With ``ultralytics`` installed and ``YOLO_WEIGHTS`` set it
runs that model (https://docs.ultralytics.com/modes/predict/); otherwise a plain dark-blob finder
stands in, so the protocol can be tried without any weights.
"""

from __future__ import annotations

import io
import json
import os
from typing import Any

import httpx
import numpy as np
from fastapi import FastAPI
from PIL import Image
from pydantic import BaseModel

app = FastAPI(title="Jinbiao outside model: YOLO adapter")
LABEL_MAP: dict[str, str] = json.loads(os.environ.get("LABEL_MAP", "{}"))
MIN_SCORE = float(os.environ.get("MIN_SCORE", "0.25"))


class BatchItem(BaseModel):
    id: int
    kind: str
    text: str | None = None
    media_url: str | None = None
    width: int | None = None
    height: int | None = None


class Batch(BaseModel):
    project_id: int
    kind: str
    labels: list[str]
    items: list[BatchItem]


def _load_detector() -> Any:
    weights = os.environ.get("YOLO_WEIGHTS")
    if not weights:
        return None
    from ultralytics import YOLO  # optional dependency

    return YOLO(weights)


DETECTOR = _load_detector()


def _detect(image: Image.Image) -> list[tuple[str, float, float, float, float, float]]:
    """``(class, score, x, y, w, h)`` in pixels."""
    if DETECTOR is not None:
        found = []
        for result in DETECTOR.predict(image, verbose=False):
            for box in result.boxes:
                x0, y0, x1, y1 = (float(v) for v in box.xyxy[0])
                cls = int(box.cls[0])
                key = str(cls) if str(cls) in LABEL_MAP else str(result.names.get(cls, cls))
                found.append((key, float(box.conf[0]), x0, y0, x1 - x0, y1 - y0))
        return found
    return _dark_blob(image)


def _dark_blob(image: Image.Image) -> list[tuple[str, float, float, float, float, float]]:
    """Stand-in detector: the bounding box of the pixels much darker than the image's median."""
    grey = np.asarray(image.convert("L"), dtype=np.float64)
    dark = grey < np.median(grey) - 3 * grey.std(ddof=0) / 2
    if dark.sum() < 20:
        return []
    ys, xs = np.nonzero(dark)
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    return [("0", 0.5, float(x0), float(y0), float(x1 - x0), float(y1 - y0))]


def _boxes(image: Image.Image, labels: set[str]) -> tuple[list[dict[str, Any]], float]:
    width, height = image.size
    boxes, scores = [], []
    for cls, score, x, y, w, h in _detect(image):
        label = LABEL_MAP.get(cls, cls)
        if label not in labels or score < MIN_SCORE:
            continue
        x, y = max(0.0, x), max(0.0, y)  # inside the image, as the platform checks
        w, h = min(w, width - x), min(h, height - y)
        if w > 0 and h > 0:
            boxes.append({"label": label, "x": x, "y": y, "w": w, "h": h})
            scores.append(score)
    return boxes, (float(np.mean(scores)) if scores else 1.0 - MIN_SCORE)


@app.post("/predict")
def predict(batch: Batch) -> dict[str, Any]:
    labels = set(batch.labels)
    results = []
    with httpx.Client(timeout=20.0) as client:
        for item in batch.items:
            if batch.kind != "image_boxes" or not item.media_url:
                continue  # left out: the platform records "missing"
            answer = client.get(item.media_url)
            if answer.status_code != 200:
                continue
            image = Image.open(io.BytesIO(answer.content)).convert("RGB")
            boxes, score = _boxes(image, labels)
            results.append({"id": item.id, "result": {"boxes": boxes}, "score": score})
    return {"results": results}
