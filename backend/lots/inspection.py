"""Inspecting a lot's sample (验收): acceptance leases, judgments, and the lot's verdict.

Leases are rows of ``assignments`` with stage ``acceptance`` (``backend/assignments/stages.py``):
one sampled item, one inspector, until ``expires_at``; an expired lease simply stops counting,
and ``access.own_assignment`` answers 404 for anyone else's lease. An acceptance lease carries
the lot's inspection round as its ``rework_round``, so the unique (item, person, round) key lets
an inspector see an item again in a later round; nobody inspects an item they annotated or
reviewed (the pick skips items with any lease of theirs of another stage). What differs from
annotation is the pick: the next unjudged item of *this lot's* sample, in draw order, that
nobody holds now.

Concurrency, as in ``assignments.picking``: the inspector's state row is locked first (their
requests run one after another, so a reload gets back the lease it holds); the sample row is
picked ``FOR NO KEY UPDATE SKIP LOCKED`` on PostgreSQL, and the insert rechecks, on a fresh
snapshot after that lock, that no live acceptance lease holds the item. A judgment locks the
lease, then the lot row, so the counts (``inspected``, ``defects``) and the verdict are exact
under concurrent inspectors. Judgments arrive through ``POST /reviews/{review_id}/submit`` (the
review domain's submit, which serves every judged stage); ``on_verdict`` is this stage's step.

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

from backend import clock
from backend.assignments.annotator_states import lock_state
from backend.assignments.reviewed_answers import CountedAnswer, counted_answers
from backend.audit.service import record
from backend.consensus.final_answers import settle
from backend.consensus.models import Consensus
from backend.db import UTCDateTime
from backend.errors import conflict
from backend.items.finals import emit_final
from backend.items.models import Item
from backend.lots import service, switching
from backend.lots.models import Lot, LotItem, LotSample
from backend.projects.models import Project

DEFECTS = frozenset({"fix", "reject"})


@dataclass(frozen=True)
class SampleLease:
    """A live acceptance lease on one sampled item of a lot."""

    assignment_id: int
    expires_at: datetime
    lot: Lot
    item: Item


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
       WHERE had.item_id = s.item_id AND had.annotator_id = :user_id
         AND (had.stage <> 'acceptance' OR had.rework_round = :round) LIMIT 1) IS NULL
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
  (project_id, item_id, annotator_id, is_gold, status, created_at, expires_at, stage,
   rework_round)
SELECT :project_id, :item_id, :user_id, false, 'leased', :now, :expires_at, 'acceptance', :round
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
                "round": lot.round,
            },
        ).scalar()
        if assignment_id is not None:
            session.commit()
            return SampleLease(assignment_id, expires_at, lot, session.get(Item, picked.item_id))
    session.commit()
    return None


def on_verdict(judged: Any) -> None:
    """The ``acceptance`` stage's step of the verdict registry (``POST /reviews/{id}/submit``).

    ``judged`` is the review domain's ``Judged`` (read by attribute, never imported: the two
    domains share a tier): the submit has locked the lease and the item, refused a foreign,
    expired or repeated submit, validated a fix's result and added the ``reviews`` row; this
    counts the judgment towards the lot. 409 ``lot_decided`` when the item's lot is no longer
    being inspected (nothing is stored then).
    """
    session, item_id, now = judged.session, judged.item.id, judged.now
    lot = _locked_open_lot(session=session, item_id=item_id)
    sample = None
    if lot is not None and lot.status == "inspecting":
        sample = session.execute(
            select(LotSample).where(
                LotSample.lot_id == lot.id,
                LotSample.round == lot.round,
                LotSample.item_id == item_id,
            )
        ).scalar_one_or_none()
    if lot is None or sample is None or sample.decision is not None:
        session.rollback()
        raise conflict("the lot of this item is decided", code="lot_decided")
    verdict = judged.verdict
    sample.decision = str(verdict.decision)
    sample.result = verdict.result
    sample.reasons = list(verdict.reasons)
    sample.comment = verdict.comment or None
    sample.assignment_id = judged.review.id
    sample.inspector_id = judged.review.reviewer_id
    sample.judged_at = now
    lot.inspected += 1
    lot.defects += int(sample.decision in DEFECTS)
    session.add_all([sample, lot])
    if sample.decision == "fix":  # the inspector's correction is the item's answer from now on
        settle(session=session, project_id=lot.project_id, item_id=item_id, result=verdict.result)
    if lot.inspected >= lot.sample_size:
        _decide(session=session, lot=lot, now=now, actor_id=judged.review.reviewer_id)


def fixed_answers(session: Session, project_id: int) -> dict[int, dict[str, Any]]:
    """The inspectors' fixes of the project (the latest per item), which every recompute keeps
    as the items' answers (``consensus.final_answers``, registered at process start)."""
    rows = session.execute(
        select(LotSample.item_id, LotSample.result)
        .join(Lot, Lot.id == LotSample.lot_id)
        .where(Lot.project_id == project_id, LotSample.decision == "fix")
        .order_by(LotSample.judged_at, LotSample.id)
    ).all()
    return {item_id: dict(result) for item_id, result in rows if result is not None}


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
        emit_final(session=session, project_id=lot.project_id, item_ids=item_ids)
    record(
        session,
        org_id=lot.org_id,
        actor_id=actor_id,
        action=f"lot.{lot.status}",
        target_type="lot",
        target_id=lot.id,
        data={"round": lot.round, "inspected": lot.inspected, "defects": lot.defects},
    )


def sample_view(*, session: Session, item_id: int) -> tuple[list[CountedAnswer], Consensus | None]:
    """The item's counted annotations (oldest first) and its consensus, for the inspector's
    screen: what a reviewer sees, not an answer a review rejected (a reworked item showed the
    rejected answer beside its rework, as if two annotators had disagreed)."""
    return counted_answers(session=session, item_ids=[item_id]), session.get(Consensus, item_id)
