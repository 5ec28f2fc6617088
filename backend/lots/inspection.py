"""Inspecting a lot's sample (验收): acceptance leases, judgments, and the lot's verdict.

Leases are rows of ``assignments`` with stage ``acceptance`` (``backend/assignments/stages.py``):
one sampled item, one inspector, until ``expires_at``; an expired lease simply stops counting,
the unique (item, person) pair keeps an inspector off items they annotated, and
``access.own_assignment`` answers 404 for anyone else's lease. What differs from annotation is
the pick: the next unjudged item of *this lot's* sample, in draw order, that nobody holds now.

Concurrency, as in ``assignments.picking``: the inspector's state row is locked first (their
requests run one after another, so a reload gets back the lease it holds); the sample row is
picked ``FOR NO KEY UPDATE SKIP LOCKED`` on PostgreSQL, and the insert rechecks, on a fresh
snapshot after that lock, that no live acceptance lease holds the item. A judgment locks the
lease, then the lot row, so the counts (``inspected``, ``defects``) and the verdict are exact
under concurrent inspectors.

Verdict (ISO 2859-1 single sampling): once every sampled item is judged, the lot is accepted when
the nonconforming items (decisions ``fix`` and ``reject``) are at most Ac, rejected from Re on.
An accepted lot's items become final (``ItemsFinal``). Round 1 feeds the project's switching
state (``switching``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlmodel import Session

from backend import clock, events
from backend.assignments.access import own_assignment
from backend.assignments.annotator_states import lock_state
from backend.assignments.models import Annotation, Assignment
from backend.assignments.stages import ACCEPTANCE
from backend.assignments.submitting import validate_result
from backend.audit.service import record
from backend.consensus.models import Consensus
from backend.db import UTCDateTime
from backend.errors import conflict, invalid
from backend.items.models import Item
from backend.kinds import ResultInvalid
from backend.lots import service, switching
from backend.lots.models import Lot, LotItem, LotSample
from backend.projects.models import Project

DECISIONS = ("accept", "fix", "reject")
DEFECTS = frozenset({"fix", "reject"})


@dataclass(frozen=True)
class SampleLease:
    """A live acceptance lease on one sampled item of a lot."""

    assignment_id: int
    expires_at: datetime
    lot: Lot
    item: Item


@dataclass(frozen=True)
class Judgment:
    """What the inspector sends (the review submit's body)."""

    decision: str
    result: dict[str, Any] | None = None
    reasons: tuple[str, ...] = ()
    comment: str | None = None


def _stamp(sql: str, *names: str) -> Any:
    return text(sql).bindparams(*(bindparam(n, type_=UTCDateTime()) for n in names))


_HELD = _stamp(
    """
SELECT a.id, a.expires_at, a.item_id
FROM assignments a
JOIN lot_samples s ON s.item_id = a.item_id
WHERE s.lot_id = :lot_id AND s.round = :round AND s.decision IS NULL
  AND a.annotator_id = :user_id AND a.stage = 'acceptance' AND a.status = 'leased'
  AND a.expires_at > :now
ORDER BY a.expires_at DESC
LIMIT 1
""",
    "now",
)

_PICK = """
SELECT s.id, s.item_id
FROM lot_samples s
WHERE s.lot_id = :lot_id AND s.round = :round AND s.decision IS NULL
  AND (SELECT 1 FROM assignments had
       WHERE had.item_id = s.item_id AND had.annotator_id = :user_id LIMIT 1) IS NULL
  AND (SELECT 1 FROM assignments live
       WHERE live.item_id = s.item_id AND live.stage = 'acceptance' AND live.status = 'leased'
         AND live.expires_at > :now LIMIT 1) IS NULL
ORDER BY s.position
LIMIT 1
"""
_PICKS = {
    postgresql: _stamp(_PICK + ("FOR NO KEY UPDATE OF s SKIP LOCKED" if postgresql else ""), "now")
    for postgresql in (False, True)
}

_INSERT_IF_FREE = _stamp(
    """
INSERT INTO assignments
  (project_id, item_id, annotator_id, is_gold, status, created_at, expires_at, stage)
SELECT :project_id, :item_id, :user_id, false, 'leased', :now, :expires_at, 'acceptance'
WHERE (SELECT 1 FROM assignments live
       WHERE live.item_id = :item_id AND live.stage = 'acceptance' AND live.status = 'leased'
         AND live.expires_at > :now LIMIT 1) IS NULL
RETURNING id
""",
    "now",
    "expires_at",
)
_RECHECKS = 8


def next_sample(
    *, session: Session, lot: Lot, project: Project, user_id: int
) -> SampleLease | None:
    """The inspector's live lease in this lot, a new one, or None when the sample is done for
    them (judged, held by others, or only items they annotated are left).

    A decided lot's sample is done: None too (its judgments answer 409 ``lot_decided``).
    """
    if lot.status != "inspecting":
        session.rollback()
        return None
    now = clock.now()
    lock_state(session=session, project_id=project.id, user_id=user_id)
    params = {"lot_id": lot.id, "round": lot.round, "user_id": user_id, "now": now}
    held = session.execute(_HELD, params).first()
    if held is not None:
        session.commit()
        return SampleLease(held.id, held.expires_at, lot, session.get(Item, held.item_id))
    postgresql = session.get_bind().dialect.name == "postgresql"
    expires_at = now + timedelta(seconds=project.lease_seconds)
    for _ in range(_RECHECKS):
        picked = session.execute(_PICKS[postgresql], params).first()
        if picked is None:
            break
        assignment_id = session.execute(
            _INSERT_IF_FREE,
            {
                "project_id": project.id,
                "item_id": picked.item_id,
                "user_id": user_id,
                "now": now,
                "expires_at": expires_at,
            },
        ).scalar()
        if assignment_id is not None:
            session.commit()
            return SampleLease(assignment_id, expires_at, lot, session.get(Item, picked.item_id))
    session.commit()
    return None


def judge(
    *, session: Session, assignment_id: int, user_id: int, judgment: Judgment
) -> tuple[LotSample, bool]:
    """Store the inspector's judgment of their acceptance lease; ``(sample, created)``.

    A repeat of a judged lease answers the stored sample (``created`` False). 404 for anyone
    else's lease; 409 ``lot_decided`` when the lot was decided meanwhile; 409 ``review_expired``
    when the lease expired and someone else holds or judged the item; 422 for a ``fix`` without
    a valid result.
    """
    assignment, project = own_assignment(
        session=session, rules=ACCEPTANCE, assignment_id=assignment_id, user_id=user_id
    )
    if assignment.status == "submitted":
        sample = session.execute(
            select(LotSample).where(LotSample.assignment_id == assignment.id)
        ).scalar_one()
        session.commit()
        return sample, False
    lot = _locked_open_lot(session=session, item_id=assignment.item_id)
    sample = None
    if lot is not None:
        sample = session.execute(
            select(LotSample).where(
                LotSample.lot_id == lot.id,
                LotSample.round == lot.round,
                LotSample.item_id == assignment.item_id,
            )
        ).scalar_one_or_none()
    if lot is None or lot.status != "inspecting" or sample is None:
        session.rollback()
        raise conflict("the lot of this item is decided", code="lot_decided")
    now = clock.now()
    if sample.decision is not None or (
        assignment.expires_at <= now
        and _held_by_other(session=session, assignment=assignment, now=now)
    ):
        session.rollback()
        raise conflict("the lease expired and the item went to someone else", code="review_expired")
    result = _checked_result(
        session=session, project=project, item_id=sample.item_id, judgment=judgment
    )
    sample.decision = judgment.decision
    sample.result = result
    sample.reasons = list(judgment.reasons)
    sample.comment = judgment.comment
    sample.assignment_id = assignment.id
    sample.inspector_id = user_id
    sample.judged_at = now
    assignment.status = "submitted"
    assignment.finished_at = now
    lot.inspected += 1
    lot.defects += judgment.decision in DEFECTS
    session.add_all([sample, assignment, lot])
    if lot.inspected >= lot.sample_size:
        _decide(session=session, lot=lot, now=now, actor_id=user_id)
    session.commit()
    return sample, True


def _locked_open_lot(*, session: Session, item_id: int) -> Lot | None:
    lot_id = session.execute(
        select(LotItem.lot_id).where(LotItem.item_id == item_id, LotItem.open.is_(True))
    ).scalar_one_or_none()
    if lot_id is None:
        return None
    return session.execute(
        select(Lot)
        .where(Lot.id == lot_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def _held_by_other(*, session: Session, assignment: Assignment, now: datetime) -> bool:
    return (
        session.execute(
            select(Assignment.id).where(
                Assignment.item_id == assignment.item_id,
                Assignment.stage == ACCEPTANCE.stage.value,
                Assignment.status == "leased",
                Assignment.expires_at > now,
                Assignment.id != assignment.id,
            )
        ).first()
        is not None
    )


def _checked_result(
    *, session: Session, project: Project, item_id: int, judgment: Judgment
) -> dict[str, Any] | None:
    """The validated result of a ``fix`` (422 naming ``result`` otherwise); None for the rest."""
    if judgment.decision != "fix":
        return None
    if judgment.result is None:
        session.rollback()
        raise invalid(("result",), "a fix needs the corrected result")
    item = session.get(Item, item_id)
    try:
        return validate_result(project=project, item=item, result=judgment.result)
    except ResultInvalid as exc:
        session.rollback()
        raise invalid(("result", *exc.loc), exc.msg) from None


def _decide(*, session: Session, lot: Lot, now: datetime, actor_id: int) -> None:
    """The plan's verdict on a fully judged sample, its effects and the switching state."""
    plan = service.plan_of(lot)
    accepted = plan.accepts(lot.defects)
    lot.status = "accepted" if accepted else "rejected"
    lot.decided_at = now
    if lot.round == 1:
        switching.record_verdict(
            session=session, project_id=lot.project_id, plan=plan, nonconforming=lot.defects
        )
    session.flush()
    if accepted:
        service.close_items(session=session, lot_id=lot.id)
        item_ids = service.lot_item_ids(session=session, lot_id=lot.id)
        events.emit(
            events.ItemsFinal(session=session, project_id=lot.project_id, item_ids=item_ids)
        )
    record(
        session,
        org_id=lot.org_id,
        actor_id=actor_id,
        action=f"lot.{lot.status}",
        target_type="lot",
        target_id=lot.id,
        data={"round": lot.round, "inspected": lot.inspected, "defects": lot.defects},
    )


def sample_view(*, session: Session, item_id: int) -> tuple[list[Annotation], Consensus | None]:
    """The item's annotations (oldest first) and its consensus, for the inspector's screen."""
    annotations = list(
        session.execute(
            select(Annotation).where(Annotation.item_id == item_id).order_by(Annotation.id)
        ).scalars()
    )
    return annotations, session.get(Consensus, item_id)
