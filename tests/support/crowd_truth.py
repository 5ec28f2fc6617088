"""The real crowd data sets shipped in ``datasets/crowd_truth`` (answers and gold), loaded.

Each set is ``<name>/answers.csv.gz`` (``item,worker,label``) and ``<name>/truth.csv.gz``
(``item,label``), converted from the published files (sources and licences in the README beside
them). An uncompressed copy elsewhere (``JINBIAO_CROWD_TRUTH=<folder>``, or the workspace's
``../shared/benchmarks/crowd_truth``) is used when the shipped folder lacks a set.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "datasets" / "crowd_truth"
OUTSIDE = REPO / ".." / "shared" / "benchmarks" / "crowd_truth"
NUMERIC_SETS = frozenset({"zheng_n_emotion"})


def folders() -> list[Path]:
    """Where sets are looked for, in order."""
    extra = os.environ.get("JINBIAO_CROWD_TRUTH")
    return ([Path(extra)] if extra else []) + [SHIPPED, OUTSIDE]


def _find(name: str, stem: str) -> Path | None:
    for folder in folders():
        for path in (folder / name / f"{stem}.csv.gz", folder / name / f"{stem}.csv"):
            if path.exists():
                return path
    return None


def available(name: str) -> bool:
    return _find(name, "answers") is not None and _find(name, "truth") is not None


def set_names(*, categorical: bool = True) -> list[str]:
    """Every set found (the shipped ones first), without the numeric one by default."""
    names: set[str] = set()
    for folder in folders():
        if folder.is_dir():
            names |= {p.name for p in folder.iterdir() if p.is_dir()}
    return sorted(n for n in names if available(n) and not (categorical and n in NUMERIC_SETS))


def _rows(path: Path) -> Iterator[list[str]]:
    raw = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")  # noqa: SIM115
    with raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
        rows = csv.reader(text)
        next(rows)
        yield from rows


def load(name: str) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    """Answers (item, worker, label) as strings and the gold of the answered items.

    Raises FileNotFoundError when no folder holds the set.
    """
    answers_path, truth_path = _find(name, "answers"), _find(name, "truth")
    if answers_path is None or truth_path is None:
        raise FileNotFoundError(f"crowd data set {name} not found in {folders()}")
    answers = [(r[0], r[1], r[2]) for r in _rows(answers_path)]
    truth = {r[0]: r[1] for r in _rows(truth_path)}
    answered = {a[0] for a in answers}
    return answers, {k: v for k, v in truth.items() if k in answered}
