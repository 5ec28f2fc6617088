"""Whether an item's answers are settled, so its annotators may no longer correct them.

The rule is the item state table's (``backend/items/states.py``): ``SETTLED`` (reviewed, final)
items refuse corrections. The later stages store those states; this module reads them through
one hook, so corrections need no import of review or lots (they share its tier):

* a stored state on the item row (``items.state``, when the stage that stores it adds the
  column) is read as it is;
* ``register_settled_check``: a stage whose verdict lives in its own tables (an item in an
  accepted lot) registers a check from ``backend/wiring.py``; it answers the item's settled
  state, or None.

A gold item is settled too once answered: its answer was scored and the expected answer shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from backend.items.states import SETTLED, ItemState

SettledCheck = Callable[[Session, Any], ItemState | str | None]

_checks: list[SettledCheck] = []


def register_settled_check(check: SettledCheck) -> None:
    """Also ask ``check(session, item)`` (once, however often registered)."""
    if check not in _checks:
        _checks.append(check)


def unregister_settled_check(check: SettledCheck) -> None:
    if check in _checks:
        _checks.remove(check)


def settled_reason(*, session: Session, item: Any) -> str | None:
    """Why the item's answers may not be corrected any more, or None."""
    if item.is_gold:
        return "a gold item's answer was scored when it was submitted and cannot be corrected"
    stored = getattr(item, "state", None)
    for state in (stored, *(check(session, item) for check in _checks)):
        if state is not None and ItemState(state) in SETTLED:
            return f"the item is {ItemState(state).value}: its answer is settled"
    return None
