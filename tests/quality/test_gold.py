"""Gold scoring: smoothed accuracy, confusion and the pausing rule."""

from __future__ import annotations

import pytest

from quality.boxes import box_f1
from quality.gold import gold_confusion, gold_scores, should_pause, smoothed_accuracy


def test_smoothed_accuracy_beta_prior() -> None:
    assert smoothed_accuracy(2, 2) == 0.75  # two lucky answers are not an expert
    assert smoothed_accuracy(0, 0) == 0.5
    assert smoothed_accuracy(9, 10, prior=(3.0, 1.0)) == 12 / 14
    assert abs(smoothed_accuracy(900, 1000) - 901 / 1002) < 1e-15
    with pytest.raises(ValueError):
        smoothed_accuracy(3, 2)


@pytest.mark.parametrize(
    ("smoothed", "n", "paused"),
    [
        (0.5, 9, False),  # below the bar but too few gold answers yet
        (0.5, 10, True),  # enough answers and below the bar
        (0.7, 10, False),  # exactly at the bar is not below it
        (0.95, 50, False),
    ],
)
def test_should_pause(smoothed: float, n: int, paused: bool) -> None:
    assert should_pause(smoothed, n, gold_min_count=10, min_gold_accuracy=0.7) is paused


def test_gold_scores_and_pausing_per_annotator() -> None:
    gold = {f"g{i}": "ok" for i in range(10)}
    answers = [(f"g{i}", "good", "ok") for i in range(10)]
    answers += [(f"g{i}", "bad", "ok" if i < 3 else "ng") for i in range(10)]
    answers += [("g0", "new", "ok"), ("g1", "new", "ng"), ("not_gold", "new", "ng")]
    scores = gold_scores(answers, gold, gold_min_count=5, min_gold_accuracy=0.6)
    assert scores["good"].accuracy == 1.0 and scores["good"].smoothed == 11 / 12
    assert scores["bad"].correct == 3 and abs(scores["bad"].smoothed - 4 / 12) < 1e-12
    assert scores["bad"].paused and not scores["good"].paused
    assert scores["new"].answered == 2 and not scores["new"].paused  # too few gold answers


def test_gold_scores_with_box_f1() -> None:
    gold = {"img": [{"label": "dent", "x": 0, "y": 0, "w": 10, "h": 10}]}
    answers = [
        ("img", "a", [{"label": "dent", "x": 1, "y": 1, "w": 10, "h": 10}]),
        ("img", "b", []),
    ]
    scores = gold_scores(answers, gold, score=lambda a, g: box_f1(a, g)["f1"])
    assert scores["a"].accuracy == 1.0 and scores["b"].accuracy == 0.0


def test_gold_confusion() -> None:
    answers = [("g1", "a", "dent"), ("g2", "a", "dent"), ("g2", "a", "scratch"), ("x", "a", "dent")]
    assert gold_confusion(answers, {"g1": "scratch", "g2": "dent"}) == {
        "a": {"scratch": {"dent": 1}, "dent": {"dent": 1, "scratch": 1}}
    }
