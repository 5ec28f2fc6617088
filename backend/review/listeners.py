"""What review plugs into at process start (called by ``backend.wiring.wire``): its pick in the
lease machinery, its step of the verdict registry, its listener of finished items, the final
answers the recompute keeps, and the rework note of the annotators' ``next``."""

from __future__ import annotations

from sqlmodel import Session, select

from backend import events
from backend.assignments import lease_notes, leasing
from backend.assignments.stages import Stage
from backend.consensus import final_answers
from backend.review import entering, notes
from backend.review.judging import judge_review
from backend.review.models import ReviewItem
from backend.review.picking import choose_review_item
from backend.review.verdicts import register_store_step


def settled_answers(session: Session, project_id: int) -> dict[int, dict]:
    """The final answers of the project's reviewed items (``consensus.final_answers``)."""
    rows = session.exec(
        select(ReviewItem.item_id, ReviewItem.final_result).where(
            ReviewItem.project_id == project_id,
            ReviewItem.state == "reviewed",
            ReviewItem.final_result.is_not(None),
        )
    ).all()
    return {item_id: dict(result) for item_id, result in rows if result is not None}


def subscribe_listeners() -> None:
    leasing.register_chooser(Stage.review, choose_review_item)
    register_store_step(Stage.review, judge_review)
    final_answers.register_provider(settled_answers)
    lease_notes.register("rework", probe=notes.may_have_rework, note=notes.rework_note)
    events.subscribe(events.ItemsFinished, entering.on_items_finished)
