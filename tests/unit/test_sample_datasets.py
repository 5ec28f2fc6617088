"""The sample manufacturing datasets: deterministic, valid, exact, balanced.

``datasets/`` is not a package (``import datasets`` is Hugging Face's), so the generator is
loaded by path, as the demo and the benchmarks load it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
DATASETS = REPO / "datasets"
N_IMAGES, N_TEXTS, SEED = 42, 240, 11


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


gen = _load("jinbiao_sample_data_generate", DATASETS / "generate.py")
vocab = _load("jinbiao_datasets_text_vocab", DATASETS / "text_vocab.py")


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    first, second = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    summary = gen.generate(first, n_images=N_IMAGES, n_texts=N_TEXTS, seed=SEED)
    gen.generate(second, n_images=N_IMAGES, n_texts=N_TEXTS, seed=SEED)
    return first, second, summary


@pytest.fixture(scope="module")
def out(runs: tuple[Path, Path, dict]) -> Path:
    return runs[0]


@pytest.fixture(scope="module")
def image_records(out: Path) -> list[dict]:
    return gen.read_manifest(out / "images.jsonl")


@pytest.fixture(scope="module")
def text_records(out: Path) -> list[dict]:
    return gen.read_manifest(out / "texts.jsonl")


def test_same_seed_gives_byte_identical_files(runs: tuple[Path, Path, dict]) -> None:
    first, second, _ = runs
    hashes = _hashes(first)
    assert len(hashes) == N_IMAGES + 4  # images, two manifests, labels.json, manifest.json
    assert hashes == _hashes(second)


def test_other_seed_differs_and_fewer_items_are_a_prefix(out: Path, tmp_path: Path) -> None:
    gen.generate(tmp_path / "other", n_images=3, n_texts=5, seed=SEED + 1)
    gen.generate(tmp_path / "small", n_images=3, n_texts=5, seed=SEED)
    other = gen.read_manifest(tmp_path / "other" / "texts.jsonl")
    small = gen.read_manifest(tmp_path / "small" / "texts.jsonl")
    full = gen.read_manifest(out / "texts.jsonl")
    assert small == full[:5]
    assert other != small
    big = _hashes(out)
    for name, digest in _hashes(tmp_path / "small").items():
        if name.startswith("images/"):
            assert big[name] == digest


def test_summary_points_at_the_files(runs: tuple[Path, Path, dict]) -> None:
    out, _, summary = runs
    for key in ("images_manifest", "texts_manifest", "labels", "manifest", "image_dir"):
        assert Path(summary[key]).exists()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"] == summary["counts"]
    assert manifest["files"] == {k: v for k, v in _hashes(out).items() if k != "manifest.json"}


def test_every_image_opens_at_its_declared_size(out: Path, image_records: list[dict]) -> None:
    assert len(image_records) == N_IMAGES
    formats = Counter()
    for record in image_records:
        path = out / record["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == record["sha256"]
        with Image.open(path) as image:
            image.load()
            assert image.size == (record["width"], record["height"])
            assert image.format == record["format"]
            assert image.mode == "RGB"
        assert min(image.size) >= 300 and max(image.size) <= 640
        formats[record["format"]] += 1
    assert formats["PNG"] > 0 and formats["JPEG"] > 0


def test_boxes_lie_inside_their_image_with_known_labels(image_records: list[dict]) -> None:
    box_labels = set(gen.label_names("image_boxes"))
    class_labels = set(gen.label_names("image_classification"))
    n_boxes = 0
    for record in image_records:
        assert record["label"] in class_labels
        assert (record["label"] == "ok") == (not record["boxes"])
        area = Counter()
        for box in record["boxes"]:
            n_boxes += 1
            assert set(box) == {"label", "x", "y", "w", "h"}
            assert box["label"] in box_labels
            assert all(isinstance(box[k], float) for k in "xywh")
            assert box["w"] > 0 and box["h"] > 0 and box["x"] >= 0 and box["y"] >= 0
            assert box["x"] + box["w"] <= record["width"]
            assert box["y"] + box["h"] <= record["height"]
            area[box["label"]] += box["w"] * box["h"]
        if area:
            assert area[record["label"]] == max(area.values())
    assert n_boxes >= N_IMAGES  # one to three defects on most images


def test_missing_components_only_on_boards(image_records: list[dict]) -> None:
    for record in image_records:
        for box in record["boxes"]:
            if box["label"] == "missing_component":
                assert record["surface"] == "pcb"
    assert {r["surface"] for r in image_records} == {"steel", "pcb", "fabric"}


def test_classes_are_sensibly_balanced(image_records: list[dict], text_records: list[dict]) -> None:
    image_classes = Counter(r["label"] for r in image_records)
    assert set(image_classes) == set(gen.label_names("image_classification"))
    assert max(image_classes.values()) <= 4 * min(image_classes.values())
    text_classes = Counter(r["label"] for r in text_records)
    expected = N_TEXTS / len(vocab.TEXT_CLASSES)
    assert set(text_classes) == set(gen.label_names("text_classification"))
    assert all(0.5 * expected <= n <= 1.5 * expected for n in text_classes.values())


def _pattern(value: str) -> re.Pattern[str]:
    """A vocabulary value with number placeholders as a regular expression."""
    return re.compile(re.sub(r"<(?:n|m|nn|d|f|big)>", r"[0-9.]+", re.escape(value)) + r"\Z")


def test_span_texts_are_exactly_the_slot_values(text_records: list[dict]) -> None:
    span_labels = set(gen.label_names("text_spans"))
    for record in text_records:
        text, lang, label = record["text"], record["lang"], record["label"]
        words = vocab.CLASSES[lang][label]
        parts = {p if isinstance(p, str) else p[0] for p in words["part"]}
        previous_end = 0
        seen = Counter()
        for span in record["spans"]:
            assert set(span) == {"label", "start", "end"} and span["label"] in span_labels
            assert previous_end <= span["start"] < span["end"] <= len(text)
            previous_end = span["end"]
            value = text[span["start"] : span["end"]]
            assert value == value.strip()
            seen[span["label"]] += 1
            if span["label"] == "PART":
                assert value in parts
            elif span["label"] == "DEFECT":
                assert value in words["defect"]
            elif span["label"] == "MACHINE":
                assert any(_pattern(m).match(value) for m in vocab.COMMON[lang]["machine"])
            elif span["label"] == "LOCATION":
                assert any(_pattern(m).match(value) for m in vocab.COMMON[lang]["location"])
            else:
                assert re.match(r"[0-9]", value), value
        assert seen["MACHINE"] == 1 and seen["PART"] >= 1 and seen["LOCATION"] <= 1
        assert seen["DEFECT"] == (0 if label == "other" else 1)


def test_both_languages_and_all_document_types(text_records: list[dict]) -> None:
    langs = Counter(r["lang"] for r in text_records)
    assert langs["zh"] > N_TEXTS * 0.35 and langs["en"] > N_TEXTS * 0.35
    for record in text_records:
        has_cjk = re.search(r"[\u4e00-\u9fff]", record["text"]) is not None
        assert has_cjk == (record["lang"] == "zh")
    assert {r["doc_type"] for r in text_records} == set(vocab.DOC_TYPES)
    assert len({r["text"] for r in text_records}) == N_TEXTS  # no two texts alike


def test_truth_gives_the_spec_result_shapes(
    image_records: list[dict], text_records: list[dict]
) -> None:
    image, text = image_records[0], text_records[0]
    assert gen.truth(image, "image_classification") == {"label": image["label"]}
    assert gen.truth(image, "image_boxes") == {"boxes": image["boxes"]}
    assert gen.truth(text, "text_classification") == {"label": text["label"]}
    assert gen.truth(text, "text_spans") == {"spans": text["spans"]}
    with pytest.raises(ValueError):
        gen.truth(text, "polygons")


def test_true_answers_pass_the_platform_validators(
    image_records: list[dict], text_records: list[dict]
) -> None:
    """Gold answers taken from the manifests must be accepted by ``backend.kinds``."""
    from backend.kinds import ItemShape, get_kind

    for kind, records in (
        ("image_classification", image_records),
        ("image_boxes", image_records),
        ("text_classification", text_records),
        ("text_spans", text_records),
    ):
        labels = gen.label_names(kind)
        for record in records:
            item = ItemShape(record.get("width"), record.get("height"), record.get("text"))
            answer = gen.truth(record, kind)
            assert get_kind(kind).validate(answer, labels=labels, item=item) == answer


def test_label_sets_are_accepted_by_the_project_schema() -> None:
    """The demo creates its projects from labels.json: every entry must be a valid LabelSpec."""
    from backend.projects.schemas import LabelSpec

    for labels in gen.load_labels().values():
        for label in labels:
            assert LabelSpec.model_validate(label).model_dump() == label


def test_label_sets_of_the_four_kinds() -> None:
    labels = gen.load_labels()
    assert set(labels) == {
        "image_classification",
        "image_boxes",
        "text_classification",
        "text_spans",
    }
    for kind, entries in labels.items():
        assert isinstance(entries, list)  # backend/demo.py reads labels.json[kind] as a list
        names = [x["name"] for x in entries]
        hotkeys = [x["hotkey"] for x in entries]
        assert len(set(names)) == len(names) and len(set(hotkeys)) == len(hotkeys), kind
        assert all(re.fullmatch(r"#[0-9A-F]{6}", x["color"]) for x in entries)
    assert gen.label_names("image_boxes") == gen.label_names("image_classification")[1:]
    assert gen.label_names("text_classification") == list(vocab.TEXT_CLASSES)
    assert set(gen.label_names("text_spans")) == set(vocab.ENTITY_SLOTS.values())


def test_command_line_writes_the_same_files_as_the_function(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(DATASETS / "generate.py"),
            "--out",
            str(tmp_path / "cli"),
            "--images",
            "2",
            "--texts",
            "4",
            "--seed",
            "5",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["counts"]["texts"] == 4
    gen.generate(tmp_path / "api", n_images=2, n_texts=4, seed=5)
    assert _hashes(tmp_path / "cli") == _hashes(tmp_path / "api")


def test_rerun_into_the_same_folder_leaves_no_stale_images(tmp_path: Path) -> None:
    gen.generate(tmp_path, n_images=4, n_texts=1, seed=1)
    gen.generate(tmp_path, n_images=2, n_texts=1, seed=1)
    assert len(list((tmp_path / "images").iterdir())) == 2
