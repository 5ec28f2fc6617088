"""Reading stored quality figures for the API; nothing is recomputed per request."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func
from sqlmodel import Session, select

from backend.accounts.models import User
from backend.assignments import annotator_states
from backend.assignments.annotator_states import AnnotatorStatus
from backend.assignments.models import AnnotatorState
from backend.assignments.schemas import PausePublic
from backend.consensus.models import AnnotatorStat, Consensus, ProjectQuality
from backend.consensus.schemas import AnnotatorDetail, AnnotatorRow, ConsensusRow, QualityReport
from backend.errors import not_found
from backend.items.models import Item
from backend.orgs.models import Membership
from backend.projects.models import Project


def _annotator_rows(*, session: Session, project_id: int) -> list[tuple]:
    """Stats joined with state and user, for everyone who answered or has a state."""
    return session.exec(
        select(AnnotatorStat, AnnotatorState, User)
        .join(User, User.id == AnnotatorStat.user_id)
        .outerjoin(
            AnnotatorState,
            (AnnotatorState.project_id == AnnotatorStat.project_id)
            & (AnnotatorState.user_id == AnnotatorStat.user_id),
        )
        .where(AnnotatorStat.project_id == project_id)
        .order_by(AnnotatorStat.user_id)
    ).all()


def _row(stat: AnnotatorStat, state: AnnotatorState | None, user: User) -> AnnotatorRow:
    return AnnotatorRow(
        user_id=user.id,
        name=user.name,
        email=user.email,
        answers=stat.answers,
        gold_answered=stat.gold_answered,
        gold_accuracy=stat.gold_accuracy,
        agreement=stat.agreement,
        status=state.status if state else "active",
        paused_reason=state.paused_reason if state else None,
        pause=_pause(state),
        paused_at=state.paused_at if state and state.status == AnnotatorStatus.paused else None,
    )


def _pause(state: AnnotatorState | None) -> PausePublic | None:
    if state is None or state.status != AnnotatorStatus.paused:
        return None
    return PausePublic.of(state.paused_reason)


def quality_report(*, session: Session, project: Project) -> QualityReport:
    stored = session.get(ProjectQuality, project.id)
    rows = [_row(*r) for r in _annotator_rows(session=session, project_id=project.id)]
    pending = bool(
        stored
        and (
            stored.requested_at is not None
            or (
                stored.started_at is not None
                and (stored.computed_at is None or stored.started_at > stored.computed_at)
            )
        )
    )
    figures = stored.figures if stored else {}
    choice = figures.get("method_choice") or {}
    return QualityReport(
        project_id=project.id,
        computed_at=stored.computed_at if stored else None,
        duration_ms=stored.duration_ms if stored else 0,
        n_annotations=stored.n_annotations if stored else 0,
        pending=pending,
        figures=figures,
        annotators=rows,
        method=figures.get("method"),
        method_scores=choice.get("method_scores"),
        method_reason=choice.get("reason"),
    )


def annotator_detail(*, session: Session, project: Project, user_id: int) -> AnnotatorDetail:
    found = next(
        (r for r in _annotator_rows(session=session, project_id=project.id) if r[2].id == user_id),
        None,
    )
    if found is None:
        raise not_found("annotator")
    stat, state, user = found
    return AnnotatorDetail(
        **_row(stat, state, user).model_dump(),
        gold_correct=stat.gold_correct,
        confusion=stat.confusion,
        updated_at=stat.updated_at,
    )


def annotators_csv(*, session: Session, project: Project) -> str:
    out = io.StringIO()
    fields = [name for name in AnnotatorRow.model_fields if name != "pause"]  # a cell each
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for row in quality_report(session=session, project=project).annotators:
        writer.writerow(row.model_dump(exclude={"pause"}))
    return out.getvalue()


def list_consensus(
    *,
    session: Session,
    project_id: int,
    min_confidence: float | None,
    max_confidence: float | None,
    offset: int,
    limit: int,
    overlap: int = 1,
    complete: bool | None = None,
) -> tuple[list[ConsensusRow], int]:
    """Stored consensus rows; ``complete``: the item is gold or has ``overlap`` answers."""
    where = [Consensus.project_id == project_id]
    if complete is not None:
        done = Item.is_gold.is_(True) | (Consensus.n_annotations >= overlap)
        where.append(done if complete else ~done)
    if min_confidence is not None:
        where.append(Consensus.confidence >= min_confidence)
    if max_confidence is not None:
        where.append(Consensus.confidence <= max_confidence)
    total = session.exec(
        select(func.count())
        .select_from(Consensus)
        .join(Item, Item.id == Consensus.item_id)
        .where(*where)
    ).one()
    rows = session.exec(
        select(Consensus, Item.external_id, Item.is_gold)
        .join(Item, Item.id == Consensus.item_id)
        .where(*where)
        .order_by(Consensus.item_id)
        .offset(offset)
        .limit(limit)
    ).all()
    return [
        ConsensusRow(
            item_id=c.item_id,
            external_id=ext,
            result=c.result,
            confidence=c.confidence,
            n_annotations=c.n_annotations,
            complete=bool(is_gold) or c.n_annotations >= overlap,
            gold=bool(is_gold),
            method=c.method,
            updated_at=c.updated_at,
        )
        for c, ext, is_gold in rows
    ], total


def set_annotator_status(
    *,
    session: Session,
    project: Project,
    user_id: int,
    status: str,
    reason: str | None,
    actor: Membership,
) -> None:
    """Pause or resume an annotator by hand; audited. Resuming restarts their gold count."""
    member = session.exec(
        select(Membership).where(Membership.org_id == project.org_id, Membership.user_id == user_id)
    ).first()
    if member is None:
        raise not_found("annotator")
    annotator_states.set_status(
        session=session,
        project=project,
        user_id=user_id,
        status=AnnotatorStatus(status),
        reason=reason,
        actor_id=actor.user_id,
    )
    session.commit()
