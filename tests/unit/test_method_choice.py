"""When a project's gold choice of inference method is made again (``pick_method``).

The choice scores every candidate's fit of *all* counted answers on the gold, so it is made again
once the gold answers or all counted answers have grown by a quarter: under adaptive overlap the
other items' answers grow several times over after the first choice while the gold answers may
not grow at all (``gold_rate`` 0, or every annotator has seen every gold item).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from backend.consensus.answers import AnswerTable, encode_labels
from backend.consensus.method_choice import REUSE_GROWTH, pick_method
from backend.kinds.classification import CLASSES
from backend.projects.models import Project

LABELS = ["ok", "scratch", "dent"]
N_GOLD = 20


class _Counting:
    """The classes kind, counting how often the candidates are fitted and scored."""

    method = CLASSES.method
    methods = CLASSES.methods

    def __init__(self) -> None:
        self.calls = 0

    def choose_method(self, answers: AnswerTable, **options: Any):
        self.calls += 1
        return CLASSES.choose_method(answers, **options)


def _crowd(answers_per_item: list[int], seed: int = 5) -> tuple[AnswerTable, dict[int, dict]]:
    """Items 0..N_GOLD-1 gold (3 answers each), then one item per entry with that many answers
    from annotators of accuracy 0.9, 0.8, 0.7, 0.6, 0.55 (the same truths and answers for the
    same seed, so a longer list only adds answers)."""
    rng = np.random.default_rng(seed)
    accuracy = [0.9, 0.8, 0.7, 0.6, 0.55]
    item, user, label, gold = [], [], [], {}
    counts = [3] * N_GOLD + answers_per_item
    for i, n in enumerate(counts):
        truth = int(rng.integers(len(LABELS)))
        draws = rng.random(len(accuracy))
        wrong = rng.integers(1, len(LABELS), size=len(accuracy))
        if i < N_GOLD:
            gold[i] = {"label": LABELS[truth]}
        for u in range(n):
            right = draws[u] < accuracy[u]
            item.append(i)
            user.append(u)
            label.append(LABELS[truth if right else (truth + int(wrong[u])) % len(LABELS)])
    codes, vocab = encode_labels(label, LABELS)
    table = AnswerTable(
        item=np.asarray(item, dtype=np.int64),
        annotator=np.asarray(user, dtype=np.int64),
        is_gold=np.isin(np.asarray(item), list(gold)),
        gold_score=np.full(len(item), np.nan),
        label=codes,
        vocab=vocab,
        results=None,
    )
    return table, gold


def _pick(kind: _Counting, answers: AnswerTable, gold: dict, previous: dict | None) -> dict:
    project = Project(name="p", kind="text_classification", method_choice_min_gold=30)
    return pick_method(
        project=project, kind=kind, answers=answers, gold=gold, labels=LABELS, previous=previous
    )


def test_a_gold_choice_is_kept_while_neither_the_gold_nor_the_answers_grow_by_a_quarter():
    kind = _Counting()
    answers, gold = _crowd([2] * 200)
    first = _pick(kind, answers, gold, None)
    assert first["chosen_by"] == "gold" and kind.calls == 1
    assert first["answers"] == len(answers) and first["gold_answers"] == 3 * N_GOLD
    # a few more answers on the other items (less than a quarter more): the choice is kept
    more, _ = _crowd([3] * 40 + [2] * 160)
    assert len(more) < REUSE_GROWTH * len(answers)
    kept = _pick(kind, more, gold, first)
    assert kept == first and kind.calls == 1


def test_a_gold_choice_is_made_again_when_the_other_answers_grow_without_the_gold():
    kind = _Counting()
    answers, gold = _crowd([2] * 200)
    first = _pick(kind, answers, gold, None)
    # adaptive overlap: the other items get up to 5 answers, the gold items none more
    grown, _ = _crowd([5] * 200)
    assert len(grown) >= REUSE_GROWTH * len(answers)
    again = _pick(kind, grown, gold, first)
    assert kind.calls == 2
    assert again["chosen_by"] == "gold" and again["gold_answers"] == first["gold_answers"]
    assert again["answers"] == len(grown)


def test_a_choice_stored_without_its_answer_count_is_made_again():
    kind = _Counting()
    answers, gold = _crowd([2] * 200)
    first = _pick(kind, answers, gold, None)
    stored_earlier = {k: v for k, v in first.items() if k != "answers"}
    again = _pick(kind, answers, gold, stored_earlier)
    assert kind.calls == 2 and again["answers"] == len(answers)
