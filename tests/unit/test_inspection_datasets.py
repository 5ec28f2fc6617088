"""The inspection sample data: every true outline is a valid ``image_polygons`` answer, the MVTec
style masks are the outlines' pixels, template and test differ exactly where the PCB defects are,
and the same seed gives the same files."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from backend.kinds import ItemShape, get_kind
from quality.polygons import mask_iou, rasterize

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("jinbiao_inspection", REPO / "datasets/inspection.py")
assert spec is not None and spec.loader is not None
inspection = importlib.util.module_from_spec(spec)
sys.modules["jinbiao_inspection"] = inspection
spec.loader.exec_module(inspection)


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_truth_is_valid_and_masks_are_the_outlines(tmp_path):
    summary = inspection.generate(tmp_path, n_surfaces=24, n_pairs=12, seed=3)
    validate = get_kind("image_polygons").validate
    boxes = get_kind("image_boxes").validate
    surfaces = _records(Path(summary["surfaces_manifest"]))
    assert any(r["result"]["polygons"] for r in surfaces) and any(
        r["result"]["ok"] for r in surfaces
    )
    assert any("holes" in p for r in surfaces for p in r["result"]["polygons"])
    for record in surfaces:
        shape = ItemShape(width=record["width"], height=record["height"])
        assert validate(record["result"], labels=summary["surface_labels"], item=shape)
        mask = np.asarray(Image.open(tmp_path / record["mask"])) > 0
        assert mask.shape == (record["height"], record["width"])
        polygons = record["result"]["polygons"]
        if polygons:  # Pillow's fill and COCO's rasteriser differ only along the boundary
            coco = rasterize(polygons, height=record["height"], width=record["width"])
            assert mask_iou(mask, coco) > 0.6
        else:
            assert not mask.any()
    pairs = _records(Path(summary["pcb_manifest"]))
    assert {p["label"] for r in pairs for p in r["result"]["polygons"]} <= set(
        summary["pcb_labels"]
    )
    for record in pairs:
        shape = ItemShape(width=record["width"], height=record["height"])
        assert validate(record["result"], labels=summary["pcb_labels"], item=shape)
        assert boxes(record["boxes"], labels=summary["pcb_labels"], item=shape)
        test = np.asarray(Image.open(tmp_path / record["file"]), dtype=int)
        template = np.asarray(Image.open(tmp_path / record["template"]), dtype=int)
        changed = np.abs(test - template).max(axis=2) > 20
        polygons = record["result"]["polygons"]
        if not polygons:
            assert not changed.any()
            continue
        around = np.zeros_like(changed)
        for polygon in polygons:  # every changed pixel lies within a pixel of a defect's outline
            xy = np.asarray(polygon["points"])
            (x0, y0), (x1, y1) = np.floor(xy.min(axis=0)) - 1, np.ceil(xy.max(axis=0)) + 1
            around[int(max(y0, 0)) : int(y1) + 1, int(max(x0, 0)) : int(x1) + 1] = True
        assert not (changed & ~around).any()


def test_same_seed_same_files(tmp_path):
    def digest(folder: Path) -> dict[str, str]:
        inspection.generate(folder, n_surfaces=5, n_pairs=3, seed=9)
        return {
            str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file()
        }

    assert digest(tmp_path / "a") == digest(tmp_path / "b")
