"""Every format read back by outside tools (pycocotools, PyYAML, ElementTree, csv, PIL) and
compared with what the database holds."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import yaml
from PIL import Image
from pycocotools.coco import COCO

from support.export_seed import (
    add_item,
    annotate,
    build_now,
    create_version,
    download,
    pause,
    set_consensus,
)
from support.factories import new_project

LABELS = ["scratch", "dent", "stain"]


def _boxes_project(client, team, n=12, seed=1):
    """Images of varied sizes with consensus boxes (fractional pixels); answers the truth."""
    rng = random.Random(seed)
    project = new_project(client, team, "image_boxes")
    truth = {}
    for i in range(n):
        width, height = rng.choice([(64, 48), (80, 60), (50, 70)])
        item = add_item(project, size=(width, height), external_id=f"img-{i}")
        boxes = []
        for _ in range(rng.randint(0, 3)):
            w, h = round(rng.uniform(3, 20), 2), round(rng.uniform(3, 20), 2)
            x, y = round(rng.uniform(0, width - w), 2), round(rng.uniform(0, height - h), 2)
            boxes.append({"label": rng.choice(LABELS), "x": x, "y": y, "w": w, "h": h})
        set_consensus(project, item, {"boxes": boxes}, 0.9)
        annotate(project, item, team.annotators[0].id, {"boxes": boxes})
        truth[item] = boxes
    return project, truth


def _export(client, team, project, tmp_path, **body):
    version = create_version(client, project, team.manager.headers, **body)
    ready = build_now(client, version["id"], team.manager.headers)
    data = download(client, version["id"], team.manager.headers)
    folder = tmp_path / f"v{version['id']}"
    zipfile.ZipFile(io.BytesIO(data)).extractall(folder)
    return ready, folder


SPLIT = {"train": 0.5, "val": 0.25, "test": 0.25}


def test_pycocotools_loads_the_coco_files_and_counts_match(client, team, tmp_path):
    project, truth = _boxes_project(client, team)
    ready, folder = _export(client, team, project, tmp_path, format="coco", split=SPLIT, seed=3)
    counts = ready["manifest"]["counts"]
    seen_images = 0
    for split in ("train", "val", "test"):
        coco = COCO(str(folder / f"annotations/instances_{split}.json"))
        image_ids = coco.getImgIds()
        assert len(image_ids) == counts["items"][split]
        assert len(coco.getAnnIds()) == sum(counts["labels"][split].values())
        names = {c["id"]: c["name"] for c in coco.loadCats(coco.getCatIds())}
        assert names == {1: "scratch", 2: "dent", 3: "stain"}
        for image in coco.loadImgs(image_ids):
            path = folder / "images" / split / image["file_name"]
            assert Image.open(path).size == (image["width"], image["height"])
            got = sorted(
                (names[a["category_id"]], *a["bbox"])
                for a in coco.loadAnns(coco.getAnnIds(imgIds=[image["id"]]))
            )
            want = sorted((b["label"], b["x"], b["y"], b["w"], b["h"]) for b in truth[image["id"]])
            assert got == want
            seen_images += 1
    assert seen_images == len(truth)


def test_yolo_labels_round_trip_to_the_stored_pixels(client, team, tmp_path):
    project, truth = _boxes_project(client, team, seed=2)
    _, folder = _export(client, team, project, tmp_path, format="yolo", split=SPLIT)
    config = yaml.safe_load((folder / "data.yaml").read_text())
    assert config["names"] == {0: "scratch", 1: "dent", 2: "stain"}
    assert config["nc"] == 3
    found = 0
    for split in ("train", "val", "test"):
        assert config[split] == f"images/{split}"
        for image_path in sorted((folder / "images" / split).iterdir()):
            width, height = Image.open(image_path).size
            label_file = folder / "labels" / split / (image_path.stem + ".txt")
            got = []
            for line in label_file.read_text().splitlines():
                cls, cx, cy, w, h = line.split()
                w_px, h_px = float(w) * width, float(h) * height
                x_px, y_px = float(cx) * width - w_px / 2, float(cy) * height - h_px / 2
                got.append((config["names"][int(cls)], x_px, y_px, w_px, h_px))
            want = [
                (b["label"], b["x"], b["y"], b["w"], b["h"]) for b in truth[int(image_path.stem)]
            ]
            assert len(got) == len(want)
            for g, w in zip(got, want, strict=True):
                assert g[0] == w[0]
                assert g[1:] == pytest.approx(w[1:], abs=0.01)
            found += 1
    assert found == len(truth)


def test_voc_xml_parses_and_boxes_round_trip_within_a_pixel(client, team, tmp_path):
    project, truth = _boxes_project(client, team, seed=3)
    _, folder = _export(client, team, project, tmp_path, format="voc", split=SPLIT)
    ids = []
    for split in ("train", "val", "test"):
        ids += (folder / "ImageSets/Main" / f"{split}.txt").read_text().split()
    assert sorted(map(int, ids)) == sorted(truth)
    for stem in ids:
        root = ET.parse(folder / "Annotations" / f"{stem}.xml").getroot()
        image = Image.open(folder / "JPEGImages" / root.findtext("filename"))
        assert image.size == (int(root.findtext("size/width")), int(root.findtext("size/height")))
        got = []
        for obj in root.iter("object"):
            box = obj.find("bndbox")
            xmin, ymin, xmax, ymax = (
                int(box.findtext(t)) for t in ("xmin", "ymin", "xmax", "ymax")
            )
            got.append((obj.findtext("name"), xmin - 1, ymin - 1, xmax - xmin + 1, ymax - ymin + 1))
        want = [(b["label"], b["x"], b["y"], b["w"], b["h"]) for b in truth[int(stem)]]
        assert [g[0] for g in got] == [w[0] for w in want]
        for g, w in zip(got, want, strict=True):
            assert g[1:] == pytest.approx(w[1:], abs=1.0)


TEXTS = [
    ("Replaced the M8 bolt on the hydraulic pump, oil leak at the seal.", ["M8 bolt", "oil leak"]),
    ("主轴电机过热，冷却风扇损坏。", ["主轴电机", "冷却风扇"]),
    ("Conveyor belt torn near station 4; 传送带 replaced.", ["Conveyor belt", "传送带"]),
    ("No defect found.", []),
]


def _spans_project(client, team):
    project = new_project(client, team, "text_spans")
    truth = {}
    for i, (text, phrases) in enumerate(TEXTS):
        spans = []
        for j, phrase in enumerate(phrases):
            start = text.index(phrase)
            label = "PART" if j == 0 else "DEFECT"
            spans.append({"label": label, "start": start, "end": start + len(phrase)})
        item = add_item(project, text=text, external_id=f"log-{i}")
        annotate(project, item, team.annotators[0].id, {"spans": spans})
        truth[item] = (text, spans)
    return project, truth


def _entities_from_bio(text, rows):
    """Offsets of BIO entities, recovered by finding each token in the text in order."""
    offsets, cursor = [], 0
    for token, _ in rows:
        start = text.index(token, cursor)
        offsets.append((start, start + len(token)))
        cursor = start + len(token)
    entities, current = [], None
    for (_, tag), (start, end) in zip(rows, offsets, strict=True):
        if tag.startswith("B-") or tag == "O" or (current and tag[2:] != current["label"]):
            if current:
                entities.append(current)
            current = {"label": tag[2:], "start": start, "end": end} if tag != "O" else None
        else:
            current["end"] = end
    if current:
        entities.append(current)
    return entities


def test_conll_entities_equal_the_stored_spans_english_and_chinese(client, team, tmp_path):
    project, truth = _spans_project(client, team)
    ready, folder = _export(client, team, project, tmp_path, format="conll")
    blocks = (folder / "train.conll").read_text(encoding="utf-8").strip("\n").split("\n\n")
    ids = [int(x) for x in (folder / "train.ids.txt").read_text().split()]
    assert sorted(ids) == sorted(truth) and len(blocks) == len(ids)
    for item_id, block in zip(ids, blocks, strict=True):
        text, spans = truth[item_id]
        rows = [tuple(line.split(" ")) for line in block.splitlines()]
        assert all(len(row) == 2 for row in rows)
        assert _entities_from_bio(text, rows) == sorted(spans, key=lambda s: s["start"])
    chinese = next(block for block in blocks if block.startswith("主"))
    assert chinese.splitlines()[:5] == ["主 B-PART", "轴 I-PART", "电 I-PART", "机 I-PART", "过 O"]
    assert ready["manifest"]["notes"] == {}


def test_spacy_jsonl_entities_are_the_stored_offsets(client, team, tmp_path):
    project, truth = _spans_project(client, team)
    _, folder = _export(client, team, project, tmp_path, format="spacy")
    lines = [json.loads(x) for x in (folder / "train.jsonl").read_text("utf-8").splitlines()]
    assert len(lines) == len(truth)
    for line in lines:
        text, spans = truth[line["meta"]["item_id"]]
        assert line["text"] == text
        assert line["entities"] == sorted([s["start"], s["end"], s["label"]] for s in spans)
        for start, end, _ in line["entities"]:
            assert text[start:end].strip() == text[start:end]


def test_class_folders_hold_each_image_under_its_label(client, team, tmp_path):
    project = new_project(client, team, "image_classification")
    truth = {}
    for i in range(9):
        item = add_item(project, size=(32, 32))
        label = ["ok", "scratch", "dent"][i % 3]
        annotate(project, item, team.annotators[0].id, {"label": label})
        truth[item] = label
    _, folder = _export(
        client, team, project, tmp_path, format="folders", split={"train": 2 / 3, "val": 1 / 3}
    )
    found = {
        int(path.stem): (path.parent.parent.name, path.parent.name)
        for path in folder.glob("*/*/*.png")
    }
    assert {k: v[1] for k, v in found.items()} == truth
    assert {v[0] for v in found.values()} == {"train", "val"}


def test_image_csv_in_url_mode_references_the_media_endpoint(client, team, tmp_path):
    project = new_project(client, team, "image_classification")
    items = [add_item(project, size=(40, 30), write_image=False) for _ in range(3)]
    for item in items:
        annotate(project, item, team.annotators[0].id, {"label": "dent"})
    _, folder = _export(client, team, project, tmp_path, format="csv", media="url")
    rows = list(csv.DictReader((folder / "train.csv").open(encoding="utf-8", newline="")))
    assert [int(r["item_id"]) for r in rows] == items
    assert rows[0]["file"].endswith(f"/api/v1/items/{items[0]}/media")
    assert not list(folder.glob("images/**/*.png"))


def test_text_csv_and_jsonl_and_raw_jsonl(client, team, tmp_path):
    project = new_project(client, team, "text_classification")
    a0, a1 = team.annotators[0].id, team.annotators[1].id
    items = []
    for i, text in enumerate(["短路，保险丝熔断", 'pump "A" vibrates, bearing worn', "other"]):
        item = add_item(project, text=text, external_id=f"x{i}")
        annotate(project, item, a0, {"label": "electrical_fault"})
        annotate(project, item, a1, {"label": "mechanical_wear"})
        items.append((item, text))
    pause(project, a1)  # a1's answers no longer count
    _, folder = _export(client, team, project, tmp_path, format="csv")
    rows = list(csv.DictReader((folder / "train.csv").open(encoding="utf-8", newline="")))
    assert [(int(r["item_id"]), r["text"], r["label"]) for r in rows] == [
        (item, text, "electrical_fault") for item, text in items
    ]
    _, folder = _export(client, team, project, tmp_path, format="jsonl", source="raw")
    lines = [json.loads(x) for x in (folder / "train.jsonl").read_text("utf-8").splitlines()]
    assert {(x["id"], x["annotator_id"], x["label"]) for x in lines} == {
        (item, a0, "electrical_fault") for item, _ in items
    }
    _, folder = _export(client, team, project, tmp_path, format="raw_jsonl")
    lines = [json.loads(x) for x in (folder / "train.jsonl").read_text("utf-8").splitlines()]
    assert [line["item"]["id"] for line in lines] == [item for item, _ in items]
    for line in lines:
        assert [a["annotator_id"] for a in line["annotations"]] == [a0]
        assert line["consensus"]["origin"] == "majority_fallback"


def test_coco_from_raw_annotations_keeps_every_annotator(client, team, tmp_path):
    project = new_project(client, team, "image_boxes")
    item = add_item(project, size=(60, 60))
    box = {"label": "dent", "x": 1.5, "y": 2.0, "w": 10.0, "h": 5.0}
    annotate(project, item, team.annotators[0].id, {"boxes": [box]})
    annotate(project, item, team.annotators[1].id, {"boxes": [box, {**box, "label": "stain"}]})
    _, folder = _export(client, team, project, tmp_path, format="coco", source="raw")
    coco = COCO(str(folder / "annotations/instances_train.json"))
    annotators = sorted(a["annotator_id"] for a in coco.loadAnns(coco.getAnnIds()))
    assert annotators == sorted([team.annotators[0].id] + [team.annotators[1].id] * 2)


def test_every_zip_has_manifest_checksums_and_a_readme(client, team, tmp_path):
    project, _ = _boxes_project(client, team, n=4)
    ready, folder = _export(client, team, project, tmp_path, format="coco")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest == ready["manifest"]
    on_disk = {str(p.relative_to(folder)) for p in Path(folder).rglob("*") if p.is_file()} - {
        "manifest.json"
    }
    assert set(manifest["files"]) == on_disk
    for name, entry in manifest["files"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == entry["sha256"]
    readme = (folder / "README.md").read_text()
    assert f"version {ready['number']}" in readme and "| train | 4 |" in readme
    assert manifest["label_map"] == {"scratch": 1, "dent": 2, "stain": 3}
    assert manifest["project"]["id"] == project["id"]
