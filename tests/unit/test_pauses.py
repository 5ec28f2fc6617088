"""Rule 5's stored reason reads back as the code and figures the annotate page says in its
language; any other text is a manager's reason."""

from __future__ import annotations

import pytest

from backend.assignments.annotator_states import pause_reason
from backend.assignments.pauses import BY_MANAGER, LOW_GOLD, LOW_REVIEW, shown


class Thresholds:
    gold_min_count = 3
    min_gold_accuracy = 0.7


@pytest.mark.parametrize(
    ("record", "code", "accuracy", "answered"),
    [
        ({"answered": 4, "correct": 1.0}, LOW_GOLD, 0.33, 4),  # (1 + 1) / (4 + 2)
        ({"answered": 0, "correct": 0.0, "review_answered": 5, "review_correct": 2.0},
         LOW_REVIEW, 0.43, 5),
    ],
)  # fmt: skip
def test_rule_reasons_read_back_as_their_code_and_figures(record, code, accuracy, answered):
    reason = pause_reason(project=Thresholds(), **record)
    assert reason is not None
    pause = shown(reason)
    assert (pause.code, pause.accuracy, pause.answered, pause.minimum) == (
        code,
        accuracy,
        answered,
        0.7,
    )
    assert pause.reason == reason


@pytest.mark.parametrize(
    "reason", [None, "", "手工暂停：请先阅读规范", "gold accuracy 0.40 below 0.60"]
)
def test_any_other_reason_is_a_managers(reason):
    pause = shown(reason)
    assert pause.code == BY_MANAGER
    assert pause.accuracy is None and pause.reason == (reason or None)
