"""Spans: exact and overlap F1, and consensus by weighted vote, on Chinese and English text."""

from __future__ import annotations

import math

from quality.spans import consensus_spans, pairwise_span_f1, span_f1, tokenize

TEXT = "3号线电机轴承异响，更换M6螺栓"  # "line 3 motor bearing noise, replace M6 bolt"


def span(label: str, start: int, end: int) -> dict:
    return {"label": label, "start": start, "end": end}


def test_code_point_offsets_on_chinese() -> None:
    part = span("PART", TEXT.index("电机"), TEXT.index("电机") + 4)
    assert TEXT[part["start"] : part["end"]] == "电机轴承"


def test_span_f1_exact_and_overlap() -> None:
    a = [span("PART", 3, 7), span("FAULT", 7, 9)]
    b = [span("PART", 3, 5), span("FAULT", 7, 9), span("PART", 14, 18)]
    assert span_f1(a, b) == 2 * 1 / 5
    assert span_f1(a, b, mode="overlap") == 2 * 2 / 5
    assert span_f1([], []) == 1.0
    assert span_f1(a, []) == 0.0
    assert span_f1([span("PART", 0, 3)], [span("FAULT", 0, 3)], mode="overlap") == 0.0
    # one-to-one: two short spans inside one long span match only once
    assert span_f1([span("P", 0, 10)], [span("P", 0, 2), span("P", 5, 7)], mode="overlap") == 2 / 3


def test_pairwise_span_f1() -> None:
    ann = {"a": [span("P", 0, 2)], "b": [span("P", 0, 2)], "c": [span("P", 0, 3)]}
    assert abs(pairwise_span_f1(ann) - 1 / 3) < 1e-12
    assert pairwise_span_f1(ann, mode="overlap") == 1.0
    assert math.isnan(pairwise_span_f1({"a": []}))


def test_tokenize_keeps_latin_words_and_splits_chinese() -> None:
    tokens = [TEXT[s:e] for s, e in tokenize(TEXT)]
    assert tokens[:4] == ["3", "号", "线", "电"]
    assert tokens[-3:] == ["M6", "螺", "栓"]
    assert [
        t for s, e in tokenize("replace the M6-bolt.") for t in ["replace the M6-bolt."[s:e]]
    ] == ["replace", "the", "M6-bolt", "."]


def test_consensus_by_code_point_majority() -> None:
    start = TEXT.index("电机")
    votes = {
        "a": [span("PART", start, start + 4), span("FAULT", start + 4, start + 6)],
        "b": [span("PART", start, start + 2), span("FAULT", start + 4, start + 6)],
        "c": [span("PART", start, start + 4)],
    }
    out = consensus_spans(votes, text=TEXT)
    assert [(s["label"], TEXT[s["start"] : s["end"]]) for s in out] == [
        ("PART", "电机轴承"),
        ("FAULT", "异响"),
    ]
    part = out[0]
    assert abs(part["confidence"] - (1 + 1 + 2 / 3 + 2 / 3) / 4) < 1e-12


def test_consensus_weights_change_the_outcome() -> None:
    votes = {"expert": [span("PART", 0, 2)], "x": [], "y": []}
    assert consensus_spans(votes, length=5) == []
    out = consensus_spans(votes, {"expert": 3.0, "x": 1.0, "y": 1.0}, length=5)
    assert out == [{"label": "PART", "start": 0, "end": 2, "confidence": 0.6}]


def test_consensus_by_token_snaps_to_word_boundaries() -> None:
    text = "replace M6 bolt now"
    votes = {"a": [span("PART", 8, 13)], "b": [span("PART", 8, 13)], "c": [span("PART", 8, 15)]}
    out = consensus_spans(votes, text=text, unit="token")
    assert [(s["label"], text[s["start"] : s["end"]]) for s in out] == [("PART", "M6 bolt")]
    by_char = consensus_spans(votes, text=text)
    assert [text[s["start"] : s["end"]] for s in by_char] == ["M6 bo"]


def test_consensus_empty() -> None:
    assert consensus_spans({}) == []
    assert consensus_spans({"a": [], "b": []}, text=TEXT) == []
