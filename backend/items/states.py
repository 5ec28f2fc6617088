"""An item's states and the moves allowed between them, written once for every stage.

Distribution, review (质检), acceptance by lot (验收), rework (返工), pay and the data manager all
ask this table, so they agree on what "done" and "final" mean::

    new ──▶ in_progress ──▶ done ──▶ final                 (no review: consensus is the answer)
     ▲           │   ▲        │  ▲
     └───────────┘   │        ▼  │(adaptive overlap wants one more answer: back to in_progress)
                     │     in_review ──▶ reviewed ──▶ final (accepted in a lot, or no lots)
                     │        │              │
                     └─ rework ◀─────────────┴────── final (a rejected lot reopens it)

* ``new``: no annotation and no live lease; ``in_progress``: some, fewer than wanted;
  ``done``: the annotations it wants and a computed consensus (``ItemsFinished``);
* ``in_review``: waiting for or under a reviewer (``review_mode`` chose it);
* ``reviewed``: a reviewer accepted or fixed it; ``rework``: a reviewer or a rejected lot sent it
  back, its annotations no longer count (``AnnotationsStoppedCounting``);
* ``final``: its answer is settled (``ItemsFinal``): corrections are refused, pay is due.

The first three are read from the item's counters (``derive``), the others are stored by the
stage that sets them. A move the table does not list raises ``MoveRefused``, a 409 with the code
``item_state_conflict`` wherever an API reaches it.
"""

from __future__ import annotations

from enum import StrEnum


class ItemState(StrEnum):
    new = "new"
    in_progress = "in_progress"
    done = "done"
    in_review = "in_review"
    reviewed = "reviewed"
    rework = "rework"
    final = "final"


S = ItemState
ALLOWED_MOVES: dict[ItemState, frozenset[ItemState]] = {
    S.new: frozenset({S.in_progress}),
    S.in_progress: frozenset({S.new, S.done}),  # back to new when its only lease expires
    S.done: frozenset({S.in_progress, S.in_review, S.final, S.rework}),
    S.in_review: frozenset({S.reviewed, S.rework, S.done}),  # done: review switched off
    S.reviewed: frozenset({S.final, S.rework}),
    S.rework: frozenset({S.in_progress, S.done}),
    S.final: frozenset({S.rework}),
}
"""From each state, the states an item may move to. Everything else is refused."""

OPEN = frozenset({S.new, S.in_progress, S.rework})
"""States in which an item still wants annotations."""

SETTLED = frozenset({S.reviewed, S.final})
"""States in which an annotation of the item may no longer be corrected by its author."""


class MoveRefused(ValueError):
    """A move the state table does not allow."""

    code = "item_state_conflict"

    def __init__(self, current: ItemState, wanted: ItemState) -> None:
        allowed = ", ".join(sorted(ALLOWED_MOVES[current])) or "nothing"
        super().__init__(
            f"an item that is {current.value} cannot become {wanted.value}; "
            f"from {current.value} it can become: {allowed}"
        )
        self.current, self.wanted = current, wanted


def check_move(current: ItemState | str, wanted: ItemState | str) -> ItemState:
    """The new state when ``current → wanted`` is allowed; ``MoveRefused`` otherwise.

    Staying in the same state is always allowed (jobs are idempotent).
    """
    current, wanted = ItemState(current), ItemState(wanted)
    if wanted != current and wanted not in ALLOWED_MOVES[current]:
        raise MoveRefused(current, wanted)
    return wanted


def derive(
    *, annotation_count: int, wanted: int, live_leases: int, stored: str | None
) -> ItemState:
    """An item's state: the stored one of a later stage, else read from its counters."""
    if stored is not None:
        return ItemState(stored)
    if annotation_count >= wanted > 0:
        return S.done
    if annotation_count > 0 or live_leases > 0:
        return S.in_progress
    return S.new
