"""Shared helpers for the quality tests: the repository on sys.path and the real data sets."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

CROWD_TRUTH = REPO / ".." / "shared" / "benchmarks" / "crowd_truth"


def load_crowd_truth(name: str) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    """Answers (item, worker, label) as strings and the gold of answered items."""
    folder = CROWD_TRUTH / name
    if not (folder / "answers.csv").exists():
        pytest.skip(f"benchmark data {name} not found at {folder}")
    with open(folder / "answers.csv", newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        next(rows)
        answers = [(r[0], r[1], r[2]) for r in rows]
    with open(folder / "truth.csv", newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        next(rows)
        truth = {r[0]: r[1] for r in rows}
    answered = {a[0] for a in answers}
    return answers, {k: v for k, v in truth.items() if k in answered}


@pytest.fixture
def crowd_truth():
    return load_crowd_truth
