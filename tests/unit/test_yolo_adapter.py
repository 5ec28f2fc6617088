"""The reference adapter of examples/ speaks the outside-model protocol: it fetches each image
through its link, answers boxes in image pixels with the project's labels only, and leaves out
what it cannot answer (the platform records those as ``missing``)."""

from __future__ import annotations

import io

import httpx
import numpy as np
from fastapi.testclient import TestClient
from PIL import Image

from examples.yolo_adapter import app as adapter


def _png(dark: tuple[int, int, int, int] | None) -> bytes:
    pixels = np.full((120, 160, 3), 200, dtype=np.uint8)
    if dark:
        x0, y0, x1, y1 = dark
        pixels[y0:y1, x0:x1] = 20
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_adapter_answers_the_protocol(monkeypatch):
    images = {"/m/1": _png((40, 30, 80, 60)), "/m/2": _png(None)}

    def serve(request: httpx.Request) -> httpx.Response:
        data = images.get(request.url.path)
        return httpx.Response(200, content=data) if data else httpx.Response(404)

    real_client = httpx.Client
    monkeypatch.setattr(
        adapter.httpx, "Client", lambda **kw: real_client(transport=httpx.MockTransport(serve))
    )
    monkeypatch.setattr(adapter, "LABEL_MAP", {"0": "dent"})
    batch = {
        "project_id": 1,
        "kind": "image_boxes",
        "labels": ["dent", "scratch"],
        "items": [
            {
                "id": 1,
                "kind": "image_boxes",
                "media_url": "http://m.test/m/1",
                "width": 160,
                "height": 120,
            },
            {
                "id": 2,
                "kind": "image_boxes",
                "media_url": "http://m.test/m/2",
                "width": 160,
                "height": 120,
            },
            {
                "id": 3,
                "kind": "image_boxes",
                "media_url": "http://m.test/m/3",
                "width": 160,
                "height": 120,
            },
        ],
    }
    answer = TestClient(adapter.app).post("/predict", json=batch)
    assert answer.status_code == 200
    results = {r["id"]: r for r in answer.json()["results"]}
    assert set(results) == {1, 2}  # item 3's image could not be fetched: left out
    assert results[1]["result"]["boxes"] == [
        {"label": "dent", "x": 40.0, "y": 30.0, "w": 40.0, "h": 30.0}
    ]
    assert results[2]["result"] == {"boxes": []} and 0 <= results[2]["score"] <= 1
    # a class mapped to a label the project does not have is never answered
    monkeypatch.setattr(adapter, "LABEL_MAP", {"0": "rust"})
    again = TestClient(adapter.app).post("/predict", json=batch).json()
    assert all(r["result"] == {"boxes": []} for r in again["results"])
