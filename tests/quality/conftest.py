"""Shared helpers for the quality tests: the repository on sys.path and the real data sets."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.support import crowd_truth as _sets  # noqa: E402


def load_crowd_truth(name: str) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    """Answers (item, worker, label) as strings and the gold of answered items, from the copy
    shipped in ``datasets/crowd_truth`` (skips only if a set is missing from it)."""
    if not _sets.available(name):
        pytest.skip(f"crowd data set {name} not found in {_sets.folders()}")
    return _sets.load(name)


@pytest.fixture
def crowd_truth():
    return load_crowd_truth
