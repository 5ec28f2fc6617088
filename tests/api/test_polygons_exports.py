"""Exports of polygon projects, read back as their consumers read them: COCO segmentation by
pycocotools, YOLO-seg coordinates, VOC palette masks, the MVTec AD layout walked as anomalib's
MVTec loader walks it; and DeepPCB text files of a box project."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image
from pycocotools.coco import COCO

from backend.exports.formats.masks import voc_palette
from quality.polygons import rasterize
from support.export_seed import (
    add_item,
    annotate,
    build_now,
    create_version,
    download,
    set_consensus,
)
from support.factories import new_project

LABELS = ["scratch", "dent", "stain"]
SPLIT = {"train": 0.5, "val": 0.25, "test": 0.25}


def _star(rng: random.Random, width: int, height: int, hole: bool) -> dict:
    """A star-shaped polygon (points by angle around a centre: never self-intersecting)."""
    r = rng.uniform(6, min(width, height) / 3)
    cx, cy = rng.uniform(r, width - r), rng.uniform(r, height - r)
    angles = sorted(rng.uniform(0, 2 * np.pi) for _ in range(rng.randint(3, 12)))
    points = [
        [
            round(cx + r * rng.uniform(0.7, 1) * np.cos(a), 2),
            round(cy + r * rng.uniform(0.7, 1) * np.sin(a), 2),
        ]
        for a in angles
    ]
    polygon = {"label": rng.choice(LABELS), "points": points}
    if hole:
        s = r / 6
        polygon["holes"] = [
            [[cx - s, cy - s], [cx + s, cy - s], [cx + s, cy + s], [cx - s, cy + s]]
        ]
    return polygon


def _polygons_project(client, team, n=14, seed=1):
    rng = random.Random(seed)
    project = new_project(client, team, "image_polygons")
    truth = {}
    for i in range(n):
        width, height = rng.choice([(64, 48), (80, 60), (50, 70)])
        item = add_item(project, size=(width, height), external_id=f"img-{i}")
        polygons = [
            _star(rng, width, height, hole=rng.random() < 0.3) for _ in range(rng.randint(0, 3))
        ]
        result = {"polygons": polygons, "ok": not polygons}
        set_consensus(project, item, result, 0.9)
        annotate(project, item, team.annotators[0].id, result)
        truth[item] = (result, width, height)
    return project, truth


def _export(client, team, project, tmp_path, **body):
    version = create_version(client, project, team.manager.headers, **body)
    ready = build_now(client, version["id"], team.manager.headers)
    data = download(client, version["id"], team.manager.headers)
    folder = tmp_path / f"v{version['id']}"
    zipfile.ZipFile(io.BytesIO(data)).extractall(folder)
    return ready, folder


def test_coco_segmentation_loads_in_pycocotools_with_the_stored_masks(client, team, tmp_path):
    project, truth = _polygons_project(client, team)
    _, folder = _export(client, team, project, tmp_path, format="coco", split=SPLIT, seed=3)
    seen = holes = 0
    for split in ("train", "val", "test"):
        coco = COCO(str(folder / f"annotations/instances_{split}.json"))
        names = {c["id"]: c["name"] for c in coco.loadCats(coco.getCatIds())}
        for image in coco.loadImgs(coco.getImgIds()):
            result, width, height = truth[image["id"]]
            assert (image["width"], image["height"]) == (width, height)
            anns = coco.loadAnns(coco.getAnnIds(imgIds=[image["id"]]))
            assert [names[a["category_id"]] for a in anns] == [
                p["label"] for p in result["polygons"]
            ]
            for ann, polygon in zip(anns, result["polygons"], strict=True):
                want = rasterize(polygon, height=height, width=width)
                assert np.array_equal(coco.annToMask(ann).astype(bool), want)
                if "holes" in polygon:
                    assert isinstance(ann["segmentation"], dict)  # RLE: polygons cannot hold holes
                    holes += 1
                x, y, w, h = ann["bbox"]
                xs, ys = zip(*polygon["points"], strict=True)
                assert (x, x + w, y, y + h) == pytest.approx((min(xs), max(xs), min(ys), max(ys)))
            seen += 1
    assert seen == len(truth) and holes > 0


def test_yolo_seg_coordinates_round_trip(client, team, tmp_path):
    project, truth = _polygons_project(client, team, seed=2)
    _, folder = _export(client, team, project, tmp_path, format="yolo_seg", split=SPLIT)
    config = yaml.safe_load((folder / "data.yaml").read_text())
    assert config["names"] == {0: "scratch", 1: "dent", 2: "stain"}
    found = 0
    for split in ("train", "val", "test"):
        for image_path in sorted((folder / "images" / split).iterdir()):
            result, width, height = truth[int(image_path.stem)]
            assert Image.open(image_path).size == (width, height)
            lines = (folder / "labels" / split / f"{image_path.stem}.txt").read_text().splitlines()
            assert len(lines) == len(result["polygons"])
            for line, polygon in zip(lines, result["polygons"], strict=True):
                cls, *coords = line.split()
                assert config["names"][int(cls)] == polygon["label"]
                xy = np.asarray(coords, dtype=float).reshape(-1, 2) * [width, height]
                assert xy == pytest.approx(np.asarray(polygon["points"]), abs=1e-4)
            found += 1
    assert found == len(truth)


def test_masks_png_in_the_voc_layout_with_its_palette(client, team, tmp_path):
    project, truth = _polygons_project(client, team, seed=4)
    _, folder = _export(client, team, project, tmp_path, format="masks_png", split=SPLIT)
    assert (folder / "labels.txt").read_text().splitlines() == [
        "0 background",
        "1 scratch",
        "2 dent",
        "3 stain",
    ]
    ids = []
    for split in ("train", "val", "test"):
        ids += (folder / "ImageSets/Segmentation" / f"{split}.txt").read_text().split()
    assert sorted(map(int, ids)) == sorted(truth)
    for stem in ids:
        result, width, height = truth[int(stem)]
        image = Image.open(folder / "SegmentationClass" / f"{stem}.png")
        assert image.mode == "P" and image.size == (width, height)
        assert bytes(image.getpalette()[: 3 * 4]) == voc_palette()[: 3 * 4]
        assert image.getpalette()[3:6] == [128, 0, 0]  # VOC's first class colour
        want = np.zeros((height, width), dtype=np.uint8)
        for polygon in result["polygons"]:
            want[rasterize(polygon, height=height, width=width)] = (
                LABELS.index(polygon["label"]) + 1
            )
        assert np.array_equal(np.asarray(image), want)
        assert (folder / "JPEGImages" / f"{stem}.png").is_file()


IMG_EXTENSIONS = (".bmp", ".jpeg", ".jpg", ".png", ".tif", ".tiff", ".webp", ".PNG", ".JPG")


def _anomalib_mvtec_samples(root: Path) -> list[dict]:
    """What anomalib's ``make_mvtec_dataset`` makes of ``root`` (one category): every image file
    as ``(path, split, label, file)`` from its last three path parts, ``ground_truth`` entries
    set aside as masks, samples and masks each sorted by path, masks given in that order to the
    abnormal test samples and each checked to carry its image's stem."""
    rows = [
        {
            "split": f.parts[-3],
            "label": f.parts[-2],
            "image_path": f"{root}/{f.parts[-3]}/{f.parts[-2]}/{f.parts[-1]}",
        }
        for f in root.glob("**/*")
        if f.suffix in IMG_EXTENSIONS
    ]
    masks = sorted((r for r in rows if r["split"] == "ground_truth"), key=lambda r: r["image_path"])
    samples = sorted(
        (r for r in rows if r["split"] != "ground_truth"), key=lambda r: r["image_path"]
    )
    abnormal = [r for r in samples if r["split"] == "test" and r["label"] != "good"]
    assert len(abnormal) == len(masks)
    for sample, mask in zip(abnormal, masks, strict=True):
        assert Path(sample["image_path"]).stem in Path(mask["image_path"]).stem
        sample["mask_path"] = mask["image_path"]
    assert {r["split"] for r in samples} <= {"train", "test"}
    assert all(r["label"] == "good" for r in samples if r["split"] == "train")
    return samples


def test_mvtec_layout_is_walked_as_anomalibs_loader_walks_it(client, team, tmp_path):
    project, truth = _polygons_project(client, team, n=20, seed=5)
    _, folder = _export(client, team, project, tmp_path, format="mvtec", split=SPLIT, seed=1)
    (category,) = [p for p in folder.iterdir() if p.is_dir()]
    assert category.name == "image_polygons_project"
    samples = _anomalib_mvtec_samples(category)
    assert len(samples) == len(truth)
    defective = [r for r in samples if r["label"] != "good"]
    assert len(defective) == sum(1 for r, _, _ in truth.values() if r["polygons"])
    assert any(r["split"] == "train" for r in samples)
    masks = []
    for sample in defective:
        mask = np.asarray(Image.open(sample["mask_path"]))
        assert mask.dtype == np.uint8 and set(np.unique(mask)) <= {0, 255}
        masks.append(mask > 0)
    # every defective item's mask is its polygons' union, under the folder of its largest label
    want = sorted(
        (rasterize(r["polygons"], height=h, width=w).tobytes(), (h, w))
        for r, w, h in truth.values()
        if r["polygons"]
    )
    got = sorted((m.tobytes(), m.shape) for m in masks)
    assert got == want


def test_deeppcb_text_files_of_a_box_project(client, team, tmp_path):
    project = new_project(client, team, "image_boxes")
    rng = random.Random(7)
    truth = {}
    for i in range(6):
        item = add_item(project, size=(64, 48), external_id=f"pcb-{i}")
        boxes = [
            {
                "label": rng.choice(LABELS),
                "x": round(rng.uniform(0, 30), 2),
                "y": round(rng.uniform(0, 20), 2),
                "w": 10.4,
                "h": 7.6,
            }
            for _ in range(rng.randint(0, 3))
        ]
        result = {"boxes": boxes} if boxes else {"boxes": [], "ok": True}
        set_consensus(project, item, result, 0.9)
        annotate(project, item, team.annotators[0].id, result)
        truth[item] = boxes
    _, folder = _export(client, team, project, tmp_path, format="deeppcb")
    assert (folder / "classes.txt").read_text().splitlines() == ["1 scratch", "2 dent", "3 stain"]
    listed = (folder / "train.txt").read_text().splitlines()
    assert len(listed) == len(truth)
    for line in listed:
        image, annotation = line.split()
        assert (folder / image).is_file() and image.endswith("_test.png")
        item_id = int(Path(annotation).stem)
        got = [
            tuple(map(int, row.split(",")))
            for row in (folder / annotation).read_text().splitlines()
        ]
        want = [
            (
                round(b["x"]),
                round(b["y"]),
                round(b["x"] + b["w"]),
                round(b["y"] + b["h"]),
                LABELS.index(b["label"]) + 1,
            )
            for b in truth[item_id]
        ]
        assert got == want
