"""The memo of lease contexts kept between ``next`` and ``submit`` in one API process."""

from __future__ import annotations

import pytest

from backend.assignments import lease_memo
from backend.assignments.lease_memo import SubmitContext


@pytest.fixture(autouse=True)
def _empty():
    lease_memo.clear()
    yield
    lease_memo.clear()


def _context(width: int = 640) -> SubmitContext:
    return SubmitContext(
        is_gold=False,
        kind="image_boxes",
        labels=[{"name": "scratch"}],
        width=width,
        height=480,
        text_length=None,
        gold_answer=None,
    )


def test_a_context_is_taken_once_and_only_by_its_annotator():
    lease_memo.remember(assignment_id=1, user_id=7, context=_context())
    assert lease_memo.take(assignment_id=1, user_id=8) is None
    assert lease_memo.take(assignment_id=1, user_id=7) == _context()
    assert lease_memo.take(assignment_id=1, user_id=7) is None


def test_the_oldest_contexts_go_first_past_the_bound(monkeypatch):
    monkeypatch.setattr(lease_memo, "MAX_ENTRIES", 3)
    for assignment_id in range(1, 5):
        lease_memo.remember(assignment_id=assignment_id, user_id=7, context=_context())
    lease_memo.remember(assignment_id=2, user_id=7, context=_context(width=1))  # refreshed
    lease_memo.remember(assignment_id=5, user_id=7, context=_context())
    kept = {a: lease_memo.take(assignment_id=a, user_id=7) is not None for a in range(1, 6)}
    assert kept == {1: False, 2: True, 3: False, 4: True, 5: True}
