"""Generate Jinbiao's sample manufacturing datasets with known answers.

    python datasets/generate.py --out var/datasets --images 120 --texts 600 --seed 7

Writes surface-defect images with their true boxes and classes, Chinese and English maintenance
texts with their true classes and entity spans, and the label sets of the four project kinds.
The same seed gives byte-identical files: every item draws from its own generator seeded with
(seed, stream, index), so item 17 is the same whether 20 or 2,000 items are made, and no clock,
path or hash order enters a file.

``datasets/`` is not a package (``import datasets`` is Hugging Face's); load this file by path::

    spec = importlib.util.spec_from_file_location("jinbiao_sample_data", "datasets/generate.py")
    gen = importlib.util.module_from_spec(spec); spec.loader.exec_module(gen)
    summary = gen.generate("var/datasets", n_images=50, n_texts=200, seed=1)
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
LABELS_FILE = HERE / "labels.json"
DEFAULT_OUT = Path("var/datasets")
DEFAULT_IMAGES = 120
DEFAULT_TEXTS = 600
DEFAULT_SEED = 7
FORMAT_VERSION = 1
_IMAGE_STREAM, _TEXT_STREAM = 1, 2


def _sibling(name: str) -> Any:
    """Load a module next to this file by path: ``datasets/`` is deliberately not a package."""
    mod_name = f"jinbiao_datasets_{name}"
    if mod_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(mod_name, HERE / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[mod_name] = module
        spec.loader.exec_module(module)
    return sys.modules[mod_name]


def load_labels() -> dict[str, Any]:
    """Kind -> list of {name, color, hotkey}: the label sets in ``datasets/labels.json``."""
    return json.loads(LABELS_FILE.read_text(encoding="utf-8"))


def label_names(kind: str) -> list[str]:
    """Label names of one project kind, in their hotkey order."""
    return [label["name"] for label in load_labels()[kind]]


def truth(record: dict[str, Any], kind: str) -> dict[str, Any]:
    """The true annotation ``result`` of a manifest record for a project kind (SPEC shape)."""
    if kind in ("image_classification", "text_classification"):
        return {"label": record["label"]}
    if kind == "image_boxes":
        return {"boxes": [dict(b) for b in record["boxes"]]}
    if kind == "text_spans":
        return {"spans": [dict(s) for s in record["spans"]]}
    raise ValueError(f"unknown project kind {kind!r}")


def read_manifest(path: str | Path) -> list[dict[str, Any]]:
    """Records of a JSONL manifest written by ``generate``."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def generate(
    out_dir: str | Path = DEFAULT_OUT,
    *,
    n_images: int = DEFAULT_IMAGES,
    n_texts: int = DEFAULT_TEXTS,
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    """Write the datasets under ``out_dir`` and return a summary with the manifest paths.

    Layout: ``images/`` (PNG and JPEG), ``images.jsonl``, ``texts.jsonl``, ``labels.json`` and
    ``manifest.json`` (counts and sha256 of every file). Earlier ``images/img_*`` files are
    removed first so that a smaller run leaves no stale pictures; nothing else is deleted.
    """
    if n_images < 0 or n_texts < 0:
        raise ValueError("n_images and n_texts must be >= 0")
    images, texts = _sibling("images"), _sibling("texts")
    out = Path(out_dir)
    image_dir = out / "images"
    image_dir.mkdir(parents=True, exist_ok=True)
    for stale in sorted(image_dir.glob("img_*")):
        stale.unlink()

    image_records = []
    for i in range(n_images):
        record, data = images.make_image(i, np.random.default_rng([seed, _IMAGE_STREAM, i]))
        (out / record["file"]).write_bytes(data)
        record["sha256"] = hashlib.sha256(data).hexdigest()
        image_records.append(record)
    text_records = [
        texts.make_text(i, np.random.default_rng([seed, _TEXT_STREAM, i])) for i in range(n_texts)
    ]

    _write_jsonl(out / "images.jsonl", image_records)
    _write_jsonl(out / "texts.jsonl", text_records)
    shutil.copyfile(LABELS_FILE, out / "labels.json")

    files = {r["file"]: r["sha256"] for r in image_records}
    for name in ("images.jsonl", "texts.jsonl", "labels.json"):
        files[name] = _sha256(out / name)
    counts = {
        "images": n_images,
        "texts": n_texts,
        "image_classes": dict(sorted(Counter(r["label"] for r in image_records).items())),
        "box_labels": dict(
            sorted(Counter(b["label"] for r in image_records for b in r["boxes"]).items())
        ),
        "surfaces": dict(sorted(Counter(r["surface"] for r in image_records).items())),
        "text_classes": dict(sorted(Counter(r["label"] for r in text_records).items())),
        "languages": dict(sorted(Counter(r["lang"] for r in text_records).items())),
        "span_labels": dict(
            sorted(Counter(s["label"] for r in text_records for s in r["spans"]).items())
        ),
    }
    manifest = {"format_version": FORMAT_VERSION, "seed": seed, "counts": counts, "files": files}
    manifest_path = out / "manifest.json"
    manifest_path.write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return {
        "out_dir": str(out),
        "images_manifest": str(out / "images.jsonl"),
        "texts_manifest": str(out / "texts.jsonl"),
        "labels": str(out / "labels.json"),
        "manifest": str(manifest_path),
        "image_dir": str(image_dir),
        "seed": seed,
        "counts": counts,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"output folder (default {DEFAULT_OUT}, git-ignored)",
    )
    parser.add_argument("--images", type=int, default=DEFAULT_IMAGES, help="number of images")
    parser.add_argument("--texts", type=int, default=DEFAULT_TEXTS, help="number of texts")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    args = parser.parse_args(argv)
    summary = generate(args.out, n_images=args.images, n_texts=args.texts, seed=args.seed)
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
