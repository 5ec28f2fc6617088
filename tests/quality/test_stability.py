"""Label stability under the answers still allowed (``quality.confidence.stability``): the
Dirichlet-multinomial predictive checked against a plain Pólya-urn enumeration, and what
adaptive overlap stops on (``ClassConsensus.stop_confidence``)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from quality.confidence import infer_classes
from quality.confidence.stability import flip_probability, label_stability, per_answer_evidence


def _urn_flip(log_odds, counts, k, evidence, prior):
    """Every sequence of k answers over the classes (0 = the label, 1 = the rival), each drawn
    from a Pólya urn started at counts + prior; the probability that the log-odds end below 0."""
    total = 0.0
    n_classes = len(counts)
    for seq in itertools.product(range(n_classes), repeat=k):
        urn = np.asarray(counts, dtype=float) + prior
        p = 1.0
        for answer in seq:
            p *= urn[answer] / urn.sum()
            urn[answer] += 1
        moved = evidence * (seq.count(0) - seq.count(1))
        total += p * (log_odds + moved < 0)
    return total


@pytest.mark.parametrize("n_classes", [2, 3, 4])
def test_flip_probability_equals_the_polya_urn_enumerated(n_classes):
    rng = np.random.default_rng(n_classes)
    cases = []
    for _ in range(12):
        counts = rng.integers(0, 5, size=n_classes).astype(float)
        cases.append((rng.normal(0.5, 2.0), counts, int(rng.integers(1, 5))))
    log_odds = np.array([c[0] for c in cases])
    counts = np.array([c[1] for c in cases])
    remaining = np.array([c[2] for c in cases], dtype=np.int64)
    got = flip_probability(
        log_odds,
        counts[:, 0],
        counts[:, 1],
        counts[:, 2:].sum(axis=1),
        remaining,
        evidence=0.7,
        n_classes=n_classes,
        prior=1.0,
    )
    want = [_urn_flip(lo, c, k, 0.7, 1.0) for lo, c, k in cases]
    assert got == pytest.approx(want, abs=1e-9)
    assert (got > 0).any() and (got < 1).any()  # the cases are not all trivial


def test_nothing_remaining_is_stable_and_a_split_item_is_less_stable_than_a_unanimous_one():
    probas = np.array([[0.6, 0.4], [0.99, 0.01], [0.6, 0.4], [0.99, 0.01]])
    label = np.array([0, 0, 0, 0])
    counts = np.array([[5.0, 5.0], [10.0, 0.0], [5.0, 5.0], [10.0, 0.0]])
    remaining = np.array([10, 10, 0, 0], dtype=np.int64)
    stable = label_stability(probas, label, counts, remaining, evidence=0.3)
    assert stable[2] == stable[3] == 1.0
    assert stable[0] < 0.8  # a 5-5 split with 10 answers to come may well end the other way
    assert stable[1] > 0.99  # 10-0: no likely run of 10 answers turns it
    fewer = label_stability(probas, label, counts, np.array([2, 2, 0, 0]), evidence=0.3)
    assert fewer[0] > stable[0]  # fewer answers allowed, fewer chances to turn it


def test_per_answer_evidence_is_the_one_coin_log_odds_tempered():
    assert per_answer_evidence(0.8, 2, 1.0) == pytest.approx(np.log(4.0))
    assert per_answer_evidence(0.8, 2, 2.0) == pytest.approx(np.log(4.0) / 2)
    assert per_answer_evidence(0.6, 3, 1.0) == pytest.approx(np.log(0.6 * 2 / 0.4))
    assert per_answer_evidence(0.2, 2, 1.0) > 0  # below chance: clipped, never negative


def test_stop_confidence_is_the_larger_of_posterior_and_stability():
    """A crowd that splits on hard items: their posterior stays low; with every answer allowed
    already given, no answer can change the label, so they stop; with room left they do not."""
    rng = np.random.default_rng(3)
    answers = []
    for item in range(150):
        truth = item % 2
        hard = item % 5 == 0
        for worker in range(4):
            right = rng.random() < (0.55 if hard else 0.9)
            answers.append((item, worker, truth if right else 1 - truth))
    plain = infer_classes(answers)
    assert plain.stability is None
    assert np.array_equal(plain.stop_confidence, plain.confidence)
    full = infer_classes(answers, max_answers=4)  # nothing remains
    assert np.all(full.stability == 1.0) and np.all(full.stop_confidence == 1.0)
    room = infer_classes(answers, max_answers=12)
    assert np.array_equal(room.label, plain.label)
    assert np.array_equal(room.confidence, plain.confidence)
    assert np.array_equal(room.stop_confidence, np.maximum(room.confidence, room.stability))
    assert room.stop_confidence.min() < 0.9  # split items stay open with 8 answers to come


def test_stop_confidence_with_gold_starts_from_the_gold_free_posterior():
    rng = np.random.default_rng(4)
    answers = [
        (item, worker, item % 3 if rng.random() < 0.75 else int(rng.integers(3)))
        for item in range(200)
        for worker in range(3)
    ]
    gold = {item: item % 3 for item in range(40)}
    fit = infer_classes(answers, gold=gold, max_answers=6)
    assert fit.answer_confidence is not None and fit.stability is not None
    assert np.array_equal(fit.stop_confidence, np.maximum(fit.answer_confidence, fit.stability))
