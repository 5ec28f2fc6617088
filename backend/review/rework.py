"""Rework (返工): a rejected item goes back to its annotators or to the pool, with the reasons.

On ``reject`` (inside the review submit's transaction, the item locked):

1. the item's counted annotations stop counting (``review_status = 'rejected'``): consensus,
   agreement and exports leave them out (``AnnotationsStoppedCounting``), and the item's
   counter drops by as many, so it wants that many answers again; its consensus row is dropped
   until the rework is done (the recompute after it inserts a fresh one, and that is what
   finishes the item again and sends it back into review: ``entering``);
2. the item opens rework round ``n`` (``ReviewItem.rework_round``), carrying the reasons and
   the comment, which every ``next`` that leases the item shows as ``rework: {reasons, comment}``
   (``notes``);
3. ``rework_to = "same"``: each annotator whose answer was rejected and who is not paused gets a
   lease of the item in round ``n`` (the unique key is (item, annotator, round)), held for
   ``REWORK_HOLD`` — their next ``next`` hands it back before anything else, and the item's free
   slots are theirs while the leases run. A paused annotator's slot, or one whose lease ran out,
   goes to the pool. ``"pool"``: the slots are open at once to annotators who have not answered
   the item yet (the pick's rule 1 keeps those who had it away).

The reworked answers are ordinary annotations of round ``n``: they count like any other.
"""

from __future__ import annotations

from datetime import timedelta

from backend import events
from backend.assignments.annotator_states import paused_annotators
from backend.assignments.reviewed_answers import CountedAnswer, reject_answers, reserve_rework
from backend.consensus.final_answers import forget
from backend.review import notes
from backend.review.models import ReviewItem
from backend.review.verdicts import Judged

REWORK_HOLD = timedelta(days=2)


def send_back(*, judged: Judged, row: ReviewItem, answers: list[CountedAnswer]) -> None:
    """Steps 1-3 above for a rejected item whose state row has moved to ``rework``."""
    session, project, item = judged.session, judged.project, judged.item
    reject_answers(session=session, item_id=item.id, answers=answers)
    forget(session=session, item_ids=[item.id])
    if answers:
        events.emit(
            events.AnnotationsStoppedCounting(
                session=session,
                project_id=project.id,
                reason="review_rejected",
                annotation_ids=[answer.annotation_id for answer in answers],
            )
        )
    row.rework_round += 1
    row.reasons = list(judged.verdict.reasons)
    row.comment = judged.verdict.comment
    if project.rework_to == "same":
        paused = set(paused_annotators(session=session, project_id=project.id))
        hold = max(REWORK_HOLD, timedelta(seconds=project.lease_seconds))
        reserve_rework(
            session=session,
            project_id=project.id,
            item_id=item.id,
            annotator_ids=[a.annotator_id for a in answers if a.annotator_id not in paused],
            rework_round=row.rework_round,
            now=judged.now,
            expires_at=judged.now + hold,
        )
    notes.has_rework(project.id)
