"""The real crowd sets shipped in datasets/crowd_truth load and match their manifest counts."""

from __future__ import annotations

import json

import pytest

from tests.support import crowd_truth

MANIFEST = json.loads((crowd_truth.SHIPPED / "manifest_stats.json").read_text())


def test_every_manifest_set_is_shipped() -> None:
    shipped = {p.name for p in crowd_truth.SHIPPED.iterdir() if p.is_dir()}
    assert shipped == set(MANIFEST)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_shipped_set_matches_its_manifest(name: str) -> None:
    answers, gold = crowd_truth.load(name)
    stats = MANIFEST[name]
    assert len(answers) == stats["answers"]
    assert len({a[0] for a in answers}) == stats["items"]
    assert len({a[1] for a in answers}) == stats["workers"]
    assert len(gold) == stats["truth_items_answered"]
    if name not in crowd_truth.NUMERIC_SETS:
        assert {a[2] for a in answers} == set(stats["answer_labels"])
