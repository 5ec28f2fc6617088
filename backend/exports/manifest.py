"""``manifest.json`` and the ``README.md`` data card of a version.

Everything in them comes from the version row and the build's counts, never from the clock: the
"time" is the version's ``created_at``, so a rebuild writes the same bytes. The manifest lists the
sha256 of every other file of the zip (itself excluded: a file cannot hold its own hash).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from backend import __version__
from backend.exports.checks_card import checks_card

# Where each format's class ids start; COCO keeps 0 for the background.
_FIRST_ID = {"coco": 1}
SPLIT_METHOD = (
    "per-label running deficits with a seeded sha256 draw (backend/exports/splits.py): "
    "each split's share of every label stays within two items of its fraction"
)


def make_manifest(
    *,
    version: dict[str, Any],
    project: dict[str, Any],
    params: dict[str, Any],
    labels: list[str],
    counts: dict[str, Any],
    quality: dict[str, Any],
    notes: dict[str, int],
    paused: int,
) -> dict[str, Any]:
    first = _FIRST_ID.get(params["format"], 0)
    return {
        "manifest_version": 1,
        "generator": f"Jinbiao {__version__}",
        "version": version,
        "time": version["created_at"],
        "project": project,
        "format": params["format"],
        "source": params["source"],
        "media": params["media"],
        "filter": {
            "min_confidence": params.get("min_confidence"),
            "min_answers": params.get("min_answers", 0),
            "include_gold": params["include_gold"],
            "paused_annotators_excluded": paused,
            "rejected_annotations_excluded": True,
            "max_item_id": params["watermark"]["item_id"],
            "max_annotation_id": params["watermark"]["annotation_id"],
            "only_accepted_lots": params.get("only_accepted_lots", False),
            "only_reviewed": params.get("only_reviewed", False),
            "accepted_lots": params.get("accepted_lots"),
            "annotators_pseudonymous": params.get("pseudonymous", False),
        },
        "split": {
            "fractions": params["split"],
            "seed": params["seed"],
            "stratified_by": "label (most frequent label for boxes and spans)",
            "method": SPLIT_METHOD,
        },
        "label_map": {label: first + i for i, label in enumerate(labels)},
        "counts": counts,
        "quality": quality,
        "notes": dict(sorted(notes.items())),
        "quality_checks": params.get("quality_checks", {}),
    }


def with_files(manifest: dict[str, Any], files: Iterable[tuple[str, int, str]]) -> dict[str, Any]:
    return {**manifest, "files": {name: {"sha256": sha, "size": size} for name, size, sha in files}}


def readme(manifest: dict[str, Any]) -> str:
    """A data card (after Gebru et al., "Datasheets for Datasets", 2021) written from the
    manifest."""
    project = manifest["project"]
    counts = manifest["counts"]
    quality = manifest["quality"]
    lines = [
        f"# {project['name']} — version {manifest['version']['number']}",
        "",
        f"Exported by {manifest['generator']} from project {project['id']} "
        f"({project['kind']}), version created {manifest['time']}.",
        "",
        "## Contents",
        "",
        f"- Format: `{manifest['format']}`; truth: `{manifest['source']}`; "
        f"images: `{manifest['media']}`.",
        f"- Items: {counts['items_total']}; annotations behind them: {counts['annotations']} "
        f"by {counts['annotators']} annotators.",
        "",
        "| split | items | " + " | ".join(manifest["label_map"]) + " |",
        "|---|---:|" + "---:|" * len(manifest["label_map"]),
    ]
    for split, n in counts["items"].items():
        per_label = counts["labels"].get(split, {})
        cells = " | ".join(str(per_label.get(label, 0)) for label in manifest["label_map"])
        lines.append(f"| {split} | {n} | {cells} |")
    filters = manifest["filter"]
    lines += [
        "",
        "## How it was made",
        "",
        f"- Minimum consensus confidence: {filters['min_confidence']}; minimum answers per "
        f"item: {filters.get('min_answers', 0)}; gold items "
        f"{'included' if filters['include_gold'] else 'left out'}; annotations of "
        f"{filters['paused_annotators_excluded']} paused annotators and rejected annotations "
        "left out.",
        f"- Split {manifest['split']['fractions']} with seed {manifest['split']['seed']}, "
        f"stratified by {manifest['split']['stratified_by']}.",
        f"- Left out: {counts['skipped'] or 'nothing'}.",
        f"- Truth came from: {quality['truth_origin']}; mean confidence "
        f"{quality['confidence']['mean']}.",
        "",
        *checks_card(manifest),
        "## Label map",
        "",
        *(
            [f"Label set revision {project['labels_revision']}.", ""]
            if "labels_revision" in project
            else []
        ),
        *[f"- `{label}` → {i}" for label, i in manifest["label_map"].items()],
        "",
        "## Integrity",
        "",
        "`manifest.json` lists the sha256 of every other file; check with `sha256sum`.",
        "",
    ]
    if manifest["notes"]:
        lines[-4:-4] = ["## Notes", "", *[f"- {k}: {v}" for k, v in manifest["notes"].items()], ""]
    return "\n".join(lines)
