"""The one table of an item's states: allowed moves pass, others are refused with a reason."""

from __future__ import annotations

import pytest

from backend.items.states import (
    ALLOWED_MOVES,
    ItemState,
    MoveRefused,
    check_move,
    derive,
)


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        ("new", "in_progress"),
        ("in_progress", "done"),
        ("done", "in_review"),
        ("in_review", "reviewed"),
        ("in_review", "rework"),
        ("rework", "in_progress"),
        ("reviewed", "final"),
        ("final", "rework"),
        ("done", "done"),
    ],
)
def test_listed_moves_are_allowed(current: str, wanted: str) -> None:
    assert check_move(current, wanted) == ItemState(wanted)


def test_a_move_the_table_does_not_list_is_refused_with_a_clear_reason() -> None:
    with pytest.raises(MoveRefused) as refused:
        check_move("done", "new")
    assert str(refused.value) == (
        "an item that is done cannot become new; "
        "from done it can become: final, in_progress, in_review, rework"
    )
    assert refused.value.code == "item_state_conflict"
    with pytest.raises(MoveRefused):
        check_move(ItemState.final, ItemState.in_progress)


def test_every_state_has_a_row_and_only_known_targets() -> None:
    assert set(ALLOWED_MOVES) == set(ItemState)
    for targets in ALLOWED_MOVES.values():
        assert targets <= set(ItemState)


def test_unknown_state_names_are_errors() -> None:
    with pytest.raises(ValueError, match="'finished' is not a valid ItemState"):
        check_move("done", "finished")


@pytest.mark.parametrize(
    ("count", "wanted", "leases", "stored", "expected"),
    [
        (0, 3, 0, None, "new"),
        (0, 3, 1, None, "in_progress"),
        (2, 3, 0, None, "in_progress"),
        (3, 3, 0, None, "done"),
        (4, 3, 0, None, "done"),
        (3, 3, 0, "in_review", "in_review"),
        (0, 0, 0, None, "new"),
    ],
)
def test_derive(count: int, wanted: int, leases: int, stored: str | None, expected: str) -> None:
    assert (
        derive(annotation_count=count, wanted=wanted, live_leases=leases, stored=stored) == expected
    )
