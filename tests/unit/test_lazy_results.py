"""Results kept lazy through the recompute: the answers' ``JsonResults`` (stored JSON text,
parsed on first read) and a kind's results that write their own JSON (``json_texts``) behave as
the plain lists they replace wherever the recompute reads them — ``AnswerTable.take``,
``Inferred.take`` / ``concat`` and the consensus store's COPY text."""

from __future__ import annotations

import json

import numpy as np

from backend.assignments.answers_query import JsonResults
from backend.consensus.store import _copy_text
from backend.kinds.answers import AnswerTable
from backend.kinds.consensus import Inferred
from quality.polygons import ConsensusResults, fuse_results

SQUARE = {"label": "dent", "points": [[0.5, 0.5], [4, 0], [4, 4], [0, 4]]}
RESULTS = [
    {"polygons": [SQUARE]},
    {"ok": True},
    {"polygons": [{**SQUARE, "label": "划痕"}], "ok": False},
    None,
    {"boxes": [{"label": "a", "x": 1.5, "y": 2, "w": 3, "h": 4}]},
]


def test_json_results_parse_on_read_and_equal_the_parsed_list():
    texts = [json.dumps(r) for r in RESULTS]
    lazy = JsonResults(texts)
    assert lazy.texts == texts
    assert len(lazy) == len(RESULTS)
    assert lazy[2] == RESULTS[2] and lazy[-1] == RESULTS[-1]
    assert lazy == RESULTS and list(lazy) == RESULTS and lazy[1:3] == RESULTS[1:3]
    taken = lazy.take(np.array([4, 0, 2]))
    assert taken == [RESULTS[4], RESULTS[0], RESULTS[2]]
    assert taken.texts == [texts[4], texts[0], texts[2]]
    # values the driver gave already parsed stay as they are, and there is no text
    mixed = JsonResults([RESULTS[0], texts[1]])
    assert mixed.texts is None and list(mixed) == RESULTS[:2]


def test_answer_table_take_keeps_json_results_lazy():
    table = AnswerTable(
        item=np.arange(5, dtype=np.int64),
        annotator=np.arange(5, dtype=np.int64),
        is_gold=np.zeros(5, dtype=bool),
        gold_score=np.full(5, np.nan),
        label=None,
        vocab=[],
        results=JsonResults([json.dumps(r) for r in RESULTS]),  # type: ignore[arg-type]
    )
    taken = table.take(np.array([True, False, True, False, False]))
    assert isinstance(taken.results, JsonResults)
    assert taken.results == [RESULTS[0], RESULTS[2]]
    plain = AnswerTable(**{**table.__dict__, "results": list(RESULTS)})
    assert plain.take(np.array([3, 1])).results == [RESULTS[3], RESULTS[1]]


def test_inferred_with_lazy_results_stores_the_same_copy_text_as_dicts():
    answers = [RESULTS[0], RESULTS[2], RESULTS[0], RESULTS[1], {"polygons": []}]
    fused = fuse_results(answers, [3, 3, 5, 5, 9], height=8, width=8)
    dicts = fused.results(with_confidence=True)
    n = np.array([2, 2, 1], dtype=np.int64)

    def inferred(results):
        return Inferred(item=fused.items, results=results, confidence=fused.confidence, n=n)

    gold = Inferred(
        item=np.array([11], dtype=np.int64),
        results=[{"polygons": [], "ok": True}],
        confidence=np.ones(1),
        n=np.ones(1, dtype=np.int64),
    )
    lazy = Inferred.concat(
        inferred(ConsensusResults(fused, with_confidence=True)).take(np.array([2, 0])), gold
    )
    plain = Inferred.concat(inferred(dicts).take(np.array([2, 0])), gold)
    assert isinstance(lazy.results, ConsensusResults)
    assert lazy.results == plain.results
    assert b"".join(_copy_text(lazy)) == b"".join(_copy_text(plain))


def test_copy_text_written_from_the_arrays_equals_the_dicts_copy_text():
    """The consensus' own rows in order: the whole COPY lines come from the compiled writer
    (``ConsensusResults.copy_text``), labels whose JSON has backslashes escaped for COPY."""
    square = [[0, 0], [4, 0], [4, 4], [0, 4]]
    odd = 'é "q" \\ \t\n'
    answers = [
        {"polygons": [{"label": odd, "points": square}]},
        {"polygons": [{"label": odd, "points": square}, {**SQUARE, "label": "划痕"}]},
        {"polygons": [{"label": "划痕", "points": [[2, 2], [7, 2], [7, 7], [2, 7]]}]},
        {"ok": True},
        RESULTS[2],
    ]
    fused = fuse_results(answers, [3, 3, 3, 5, 9], height=8, width=8)
    dicts = fused.results(with_confidence=True)
    n = np.array([3, 1, 1], dtype=np.int64)

    def inferred(results):
        return Inferred(item=fused.items, results=results, confidence=fused.confidence, n=n)

    lazy = b"".join(_copy_text(inferred(ConsensusResults(fused, with_confidence=True))))
    assert b"\\\\\\\\" in lazy  # the label's JSON backslash, doubled for COPY
    assert lazy == b"".join(_copy_text(inferred(dicts)))
