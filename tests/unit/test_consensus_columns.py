"""The columnar recompute pieces against the plain definitions they replace."""

from __future__ import annotations

import numpy as np
import pytest

from backend.consensus.answers import AnswerTable, encode_labels
from backend.kinds.classification import CLASSES
from backend.kinds.consensus import Inferred
from quality import agreement

LABELS = ["ok", "scratch", "dent"]


def _table(rng: np.random.Generator, n_items: int = 300, n_users: int = 7) -> AnswerTable:
    item, user, label = [], [], []
    for i in range(n_items):
        for u in rng.choice(n_users, size=int(rng.integers(1, 5)), replace=False):
            item.append(1000 + i)
            user.append(10 + int(u))
            label.append(LABELS[int(rng.integers(len(LABELS)))])
    codes, vocab = encode_labels(label, LABELS)
    return AnswerTable(
        item=np.asarray(item, dtype=np.int64),
        annotator=np.asarray(user, dtype=np.int64),
        is_gold=np.zeros(len(item), dtype=bool),
        gold_score=np.full(len(item), np.nan),
        label=codes,
        vocab=vocab,
        results=None,
    )


def test_agreement_equals_the_quality_functions_on_annotators_by_items():
    table = _table(np.random.default_rng(4))
    figures = CLASSES.agreement(table, labels=LABELS)
    items, annotators = np.unique(table.item), np.unique(table.annotator)
    ratings = np.full((len(annotators), len(items)), np.nan)
    ratings[np.searchsorted(annotators, table.annotator), np.searchsorted(items, table.item)] = (
        table.label
    )
    assert figures["percent_agreement"] == agreement.percent_agreement(ratings)
    assert figures["krippendorff_alpha"] == agreement.krippendorff_alpha(ratings, "nominal")


def test_extra_labels_sort_after_the_projects_by_name():
    codes, vocab = encode_labels(["dent", "zebra", "apple", "ok"], LABELS, ["mango"])
    assert vocab == [*LABELS, "apple", "mango", "zebra"]
    assert [vocab[c] for c in codes] == ["dent", "zebra", "apple", "ok"]


def test_positions_and_confusions():
    table = _table(np.random.default_rng(5), n_items=50)
    items = np.unique(table.item)[::2]  # consensus for every other item
    codes = np.arange(len(items)) % len(LABELS)
    consensus = Inferred(
        item=items[::-1].copy(),
        results=[{"label": LABELS[c]} for c in codes[::-1]],
        confidence=np.ones(len(items)),
        n=np.full(len(items), 3),
        label=codes[::-1].copy(),
    )
    at = consensus.positions(table.item)
    for item, row in zip(table.item.tolist(), at.tolist(), strict=True):
        assert (row >= 0) == (item in set(items.tolist()))
        if row >= 0:
            assert consensus.item[row] == item
    confusions = CLASSES.confusions(table, consensus, LABELS)
    truth = dict(zip(consensus.item.tolist(), consensus.label.tolist(), strict=True))
    for user in np.unique(table.annotator).tolist():
        expected = [[0] * len(LABELS) for _ in LABELS]
        rows = zip(table.item.tolist(), table.annotator.tolist(), table.label, strict=True)
        for item, u, own in rows:
            if u == user and item in truth:
                expected[truth[item]][int(own)] += 1
        assert confusions[user] == {"labels": LABELS, "matrix": expected}


@pytest.mark.parametrize("rows", [np.array([0, 2, 3]), np.array([True, False, True, True, False])])
def test_take_keeps_order(rows):
    table = AnswerTable(
        item=np.arange(5, dtype=np.int64),
        annotator=np.arange(5, dtype=np.int64) + 10,
        is_gold=np.zeros(5, dtype=bool),
        gold_score=np.full(5, np.nan),
        label=None,
        vocab=[],
        results=[{"n": i} for i in range(5)],
    )
    taken = table.take(rows)
    assert taken.item.tolist() == [0, 2, 3]
    assert taken.results == [{"n": 0}, {"n": 2}, {"n": 3}]


def test_class_consensus_stops_on_the_gold_free_confidence_and_shows_the_gold_calibrated():
    """With enough gold the shown confidence is recalibrated on it; adaptive overlap compares
    the gold-free one (``Inferred.stopping``), which ``take`` and ``concat`` carry along."""
    rng = np.random.default_rng(8)
    table = _table(rng, n_items=400)
    truth = {1000 + i: LABELS[int(rng.integers(3))] for i in range(400)}
    gold = {item: {"label": truth[item]} for item in list(truth)[:60]}
    inferred = CLASSES.infer(table, gold=gold, labels=LABELS, weights={}, texts={})
    assert inferred.stop_confidence is not None
    assert inferred.stopping is inferred.stop_confidence
    assert not np.allclose(inferred.stop_confidence, inferred.confidence)  # random answers
    half = inferred.take(np.arange(len(inferred)) % 2 == 0)
    assert np.array_equal(half.stopping, inferred.stop_confidence[::2])
    plain = Inferred(
        item=np.array([5], dtype=np.int64),
        results=[{"label": "ok"}],
        confidence=np.array([0.7]),
        n=np.array([1], dtype=np.int64),
    )
    assert plain.stopping is plain.confidence
    joined = Inferred.concat(half, plain)
    assert np.array_equal(joined.stopping, np.concatenate([half.stop_confidence, [0.7]]))
    assert Inferred.concat(plain, plain).stop_confidence is None
