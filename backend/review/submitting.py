"""``POST /reviews/{review_id}/submit``: store a verdict exactly once, for any judged stage.

The lock protocol is the one of an annotation's submit (``backend/assignments/submitting.py``):
the lease's row first (a retried submit waits for the first one and then finds its verdict),
then the item's row (the lock every transaction that adds a lease or an answer to the item
takes). The verdict appends to the annotators' review records without locking their state rows;
those are folded in right after the commit, in a transaction of their own
(``backend/assignments/review_record.py``).

* a repeat: the same verdict again is a retry, answered 200 with the stored one; another
  verdict is refused, 409 ``already_judged`` (never answered as if it were taken);
* someone else's lease, another organization's, an annotation lease: 404, nothing stored;
* an expired lease: 409 ``review_expired`` (the item may be under another reviewer by now);
* ``fix`` without a result the kind accepts: 422 naming the field inside ``result``;
  reasons outside the project's list: 422 naming the reason.

On PostgreSQL an accept or a fix of a review lease whose ``next`` this process answered is
stored in one round trip on the event loop first (``pg_review``; the annotators' records are
folded once enough are pending, after the answer); whatever it hands back, everything on SQLite,
``reject`` and the acceptance stage take this Python path (``submit_on_any_path``). What each
stage stores comes from ``verdicts``' registry.
"""

from __future__ import annotations

from sqlmodel import Session, select
from starlette.background import BackgroundTasks
from starlette.concurrency import run_in_threadpool

from backend import clock
from backend.accounts.deps import Bearer, resolve_user
from backend.assignments import review_record
from backend.assignments.access import own_assignment
from backend.assignments.models import Assignment
from backend.assignments.outcomes import HandBack
from backend.assignments.pg_path import in_range
from backend.assignments.stages import Stage, StageNotBuilt, rules_for
from backend.assignments.submitting import validate_result
from backend.db import get_engine
from backend.errors import conflict, invalid, not_found
from backend.items.models import Item
from backend.items.states import MoveRefused
from backend.kinds import ResultInvalid
from backend.review import pg_review, service
from backend.review.models import Review
from backend.review.schemas import ReviewPublic
from backend.review.verdicts import Decision, Judged, Verdict, judged_stages, store_step


async def submit_on_any_path(
    *, review_id: int, bearer: Bearer, verdict: Verdict, later: BackgroundTasks
) -> tuple[ReviewPublic, bool]:
    """The stored verdict and whether this call stored it: PostgreSQL's one round trip on the
    event loop first (``pg_review``; what it leaves for after the answer goes to ``later``),
    else the Python path in a thread-pool slot."""
    fast = await pg_review.submit_verdict(
        review_id=review_id,
        user_id=bearer.user_id,
        generation=bearer.generation,
        verdict=verdict,
        later=later,
    )
    if not isinstance(fast, HandBack):
        return fast, True
    return await run_in_threadpool(
        submit_on_python_path, review_id=review_id, bearer=bearer, verdict=verdict
    )


def submit_on_python_path(
    *, review_id: int, bearer: Bearer, verdict: Verdict
) -> tuple[ReviewPublic, bool]:
    """The Python path on a session opened and closed in this thread-pool slot (as
    ``assignments.dispatch`` does for its paths 2 and 3)."""
    with Session(get_engine(), expire_on_commit=False) as session:
        user = resolve_user(session=session, bearer=bearer)
        review, created = submit_verdict(
            session=session, review_id=review_id, user_id=user.id, verdict=verdict
        )
        public = service.public(review)
        review_record.fold_pending(session)  # the annotators' records, after the commit
        return public, created


def submit_verdict(
    *, session: Session, review_id: int, user_id: int, verdict: Verdict
) -> tuple[Review, bool]:
    """The stored verdict and whether this call stored it (False: a repeat)."""
    now = clock.now()
    if not in_range(review_id):  # beyond the id column: nobody's lease
        raise not_found("review")
    stage = session.exec(
        select(Assignment.stage).where(
            Assignment.id == review_id, Assignment.annotator_id == user_id
        )
    ).first()
    if stage is None or Stage(stage) not in judged_stages():
        session.rollback()
        raise not_found("review")
    try:
        rules = rules_for(Stage(stage))
    except StageNotBuilt:
        session.rollback()
        raise not_found("review") from None
    lease, project = own_assignment(
        session=session, rules=rules, assignment_id=review_id, user_id=user_id
    )
    stored = session.get(Review, review_id)
    if stored is not None:
        _refuse_if_different(session=session, project=project, stored=stored, sent=verdict)
        session.commit()
        return stored, False
    if lease.status != "leased":
        session.rollback()
        raise conflict("this review was given back; ask for the next item", code="review_skipped")
    if lease.expires_at <= now:
        session.rollback()
        raise conflict(
            f"the review lease expired at {lease.expires_at.isoformat()}; ask for the next item",
            code="review_expired",
        )
    item = session.exec(
        select(Item)
        .where(Item.id == lease.item_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()
    verdict = _checked(session=session, project=project, item=item, verdict=verdict)
    review = Review(
        id=lease.id,
        project_id=project.id,
        item_id=item.id,
        reviewer_id=user_id,
        stage=lease.stage,
        rework_round=lease.rework_round,
        decision=verdict.decision,
        result=verdict.result,
        reasons=list(verdict.reasons),
        comment=verdict.comment,
        duration_ms=max(0, int((now - lease.created_at).total_seconds() * 1000)),
        created_at=now,
    )
    session.add(review)
    session.flush()
    step = store_step(Stage(stage))
    assert step is not None  # judged_stages() listed it
    try:
        step(Judged(session, project, item, review, verdict, now))
    except MoveRefused as exc:
        session.rollback()
        raise conflict(str(exc), code=exc.code) from None
    lease.status, lease.finished_at = "submitted", now
    session.add(lease)
    session.commit()
    return review, True


def _refuse_if_different(
    *, session: Session, project: object, stored: Review, sent: Verdict
) -> None:
    """Nothing when ``sent`` is the stored verdict (a fix's result as the kind normalises it:
    a retry of the very same request is never refused); 409 ``already_judged`` otherwise."""
    same = (
        sent.decision.value == stored.decision
        and list(sent.reasons) == list(stored.reasons or [])
        and (sent.comment or None) == (stored.comment or None)
    )
    if same and sent.decision is Decision.fix and sent.result != stored.result:
        item = session.get(Item, stored.item_id)
        try:
            same = validate_result(project=project, item=item, result=sent.result) == stored.result
        except ResultInvalid:
            same = False
    if not same:
        session.rollback()
        raise conflict(
            f"review {stored.id} was judged already ({stored.decision}); a second verdict is "
            "not stored",
            code="already_judged",
            decision=stored.decision,
        )


def _checked(*, session: Session, project: object, item: Item, verdict: Verdict) -> Verdict:
    """The verdict with a fix's result normalised by the kind; 422 naming what is wrong."""
    allowed = list(getattr(project, "review_reasons", None) or [])
    if allowed:
        for index, reason in enumerate(verdict.reasons):
            if reason not in allowed:
                session.rollback()
                raise invalid(
                    ("reasons", index),
                    f"{reason!r} is not one of the project's reasons: {', '.join(allowed)}",
                )
    if verdict.decision is not Decision.fix:
        return Verdict(verdict.decision, None, verdict.reasons, verdict.comment)
    if verdict.result is None:
        session.rollback()
        raise invalid(("result",), "a fix needs the corrected result")
    try:
        normalised = validate_result(project=project, item=item, result=verdict.result)
    except ResultInvalid as exc:
        session.rollback()
        raise invalid(("result", *exc.loc), exc.msg) from None
    return Verdict(verdict.decision, normalised, verdict.reasons, verdict.comment)
