"""``skip``: give an item back without answering it.

The lease ends at once (its slot is free for another annotator) and the assignment row stays,
so the unique (item, annotator) pair keeps the item away from this annotator for good. Skipping
twice is harmless; skipping a submitted assignment is a 409.
"""

from __future__ import annotations

from sqlmodel import Session

from backend import clock
from backend.assignments.access import own_assignment
from backend.assignments.models import Assignment
from backend.assignments.stages import StageRules
from backend.errors import conflict


def skip_assignment(
    *, session: Session, rules: StageRules, assignment_id: int, user_id: int
) -> Assignment:
    """Mark the caller's assignment of the stage skipped (idempotent)."""
    assignment, _project = own_assignment(
        session=session, rules=rules, assignment_id=assignment_id, user_id=user_id
    )
    if assignment.status == "submitted":
        session.rollback()
        raise conflict("this assignment is already submitted")
    if assignment.status != "skipped":
        assignment.status = "skipped"
        assignment.finished_at = clock.now()
        session.add(assignment)
    session.commit()
    return assignment
