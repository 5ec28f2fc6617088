"""What a review verdict stores: the ``review`` stage's step of ``verdicts``' registry.

* ``accept``: the consensus is confirmed; the item is ``reviewed`` with it as its final answer.
* ``fix``: the reviewer's result is the item's final answer (written into its consensus row now,
  and kept there by every later recompute: ``consensus.final_answers``).
* ``reject``: the item's annotations stop counting and it goes back for rework (``rework``).

Every counted annotation of the item is scored against the verdict as a gold answer would score
it (the kind's ``gold_score``: 1 for the confirmed or fixed answer, partial credit where the kind
gives it, 0 for a rejected one), stored as a ``ReviewMark`` and appended to its annotator's review
record, which feeds rule 5 beside gold and is folded into their state row right after the
verdict commits (``backend/assignments/review_record.py``). Accepted and
fixed items are final (``ItemsFinal``) unless the project waits for lot acceptance
(``finality``). A recompute is asked for, so consensus, agreement and
the annotators' figures follow the verdict.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from backend.assignments import review_record
from backend.assignments.reviewed_answers import CountedAnswer, counted_answers
from backend.consensus.final_answers import consensus_rows, settle
from backend.consensus.scheduling import RECOMPUTE_JOB, countdown, mark_requested
from backend.items.states import ItemState, MoveRefused, check_move
from backend.kinds.gold import gold_score
from backend.queue import enqueue_after_commit
from backend.review import rework
from backend.review.finality import settle_if_due
from backend.review.models import ReviewItem, ReviewMark
from backend.review.selection import UNBIASED
from backend.review.verdicts import Decision, Judged


def judge_review(judged: Judged) -> None:
    """Store a review verdict on a locked item that waits in review (409 otherwise)."""
    session, item = judged.session, judged.item
    row = session.exec(
        select(ReviewItem)
        .where(ReviewItem.item_id == item.id)
        .execution_options(populate_existing=True)
    ).first()
    decision = judged.verdict.decision
    wanted = ItemState.rework if decision is Decision.reject else ItemState.reviewed
    if row is None or row.state != ItemState.in_review:
        raise MoveRefused(ItemState(row.state) if row else ItemState.done, wanted)
    answers = counted_answers(session=session, item_ids=[item.id])
    if decision is Decision.reject:
        row.state = check_move(row.state, ItemState.rework)
        scores = [0.0] * len(answers)
        rework.send_back(judged=judged, row=row, answers=answers)
    else:
        row.state = check_move(row.state, ItemState.reviewed)
        final = _final_answer(judged, answers)
        row.final_result = final
        scores = [_score(judged.project.kind, a.result, final) for a in answers]
        if final is not None:
            settle(session=session, project_id=judged.project.id, item_id=item.id, result=final)
        settle_if_due(session=session, project=judged.project, item_ids=[item.id])
    row.updated_at = judged.now
    session.add(row)
    _mark(judged, answers, scores, counts=row.entered_by in UNBIASED)
    _ask_for_recompute(judged)


def _final_answer(judged: Judged, answers: list[CountedAnswer]) -> dict[str, Any] | None:
    if judged.verdict.decision is Decision.fix:
        return judged.verdict.result
    row = consensus_rows(session=judged.session, item_ids=[judged.item.id]).get(judged.item.id)
    if row is not None:
        return dict(row.result)
    return dict(answers[0].result) if len(answers) == 1 else None


def _score(kind: str, result: dict[str, Any], final: dict[str, Any] | None) -> float:
    return 1.0 if final is None else gold_score(kind, result, final)


def _mark(
    judged: Judged, answers: list[CountedAnswer], scores: list[float], *, counts: bool
) -> None:
    """A mark per annotation; with ``counts``, a row appended to each annotator's review record
    (no lock on their state rows: folded after the commit, ``review_record.fold_pending``)."""
    for answer, score in zip(answers, scores, strict=True):
        judged.session.add(
            ReviewMark(
                annotation_id=answer.annotation_id,
                review_id=judged.review.id,
                project_id=judged.project.id,
                annotator_id=answer.annotator_id,
                score=score,
            )
        )
    if counts:
        review_record.append(
            session=judged.session,
            project_id=judged.project.id,
            scores=[(a.annotator_id, s) for a, s in zip(answers, scores, strict=True)],
        )
    judged.session.flush()


def _ask_for_recompute(judged: Judged) -> None:
    session, project_id = judged.session, judged.project.id
    if mark_requested(session=session, project_id=project_id):
        wait = countdown(session=session, project_id=project_id)
        enqueue_after_commit(session, RECOMPUTE_JOB, project_id, countdown=wait)
