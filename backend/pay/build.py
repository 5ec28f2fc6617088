"""The ledger job's body: take the project's waiting work, gather the facts, write the entries.

Incremental by default: the annotations of the items and annotators named by waiting
``pay_work`` rows, plus every annotation above the project's high-water mark (new since the last
run). ``full=True`` (the sweep) rereads every annotation of the project and also marks as
finished every done item with a consensus, so an event lost with a crashed process, or an
annotation committed out of id order below the mark, is caught up. Safe to run twice and by two
workers at once: the work rows are taken with ``SKIP LOCKED`` and deleted in the same
transaction as the entries, and the entries' unique keys do the rest (``entries``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import case, delete, func, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from backend import clock
from backend.assignments.annotator_states import paused_annotators
from backend.assignments.models import Annotation
from backend.consensus.models import Consensus
from backend.items.progress import done_items
from backend.kinds import get_kind
from backend.orgs.models import Organization
from backend.pay import due
from backend.pay.bonus import month_bonuses
from backend.pay.entries import write_entries
from backend.pay.facts import mark_items, mark_stopped
from backend.pay.ledger import Booked, Facts, Work, decide
from backend.pay.models import (
    PayEntry,
    PayItemFact,
    PayProgress,
    PayRate,
    PayStopped,
    PayWork,
)
from backend.pay.money import money
from backend.pay.periods import paid_periods
from backend.pay.rates import mark_fields, rate_book
from backend.projects.models import Project

CHUNK = 5_000  # ids per IN list (SQLite's parameter limit is 32,766)
WORK_ROWS = 500  # pay_work rows per run


def build_project(*, session: Session, project_id: int, full: bool = False) -> dict[str, Any]:
    """Bring the project's ledger up to date; commits. Returns what it did.

    The project's due flag is cleared first, in a transaction of its own (``due.clear``): work
    written after that sends the next job."""
    due.clear(session=session, project_id=project_id)
    project = session.get(Project, project_id)
    if project is None:
        return {"project_id": project_id, "skipped": "project deleted"}
    work = _take_work(session, project_id)
    item_ids, annotation_ids, annotators = _apply_facts(session, project_id, work)
    if full:
        _mark_done_finished(session, project_id)
    progress = session.get(PayProgress, project_id) or PayProgress(project_id=project_id)
    above = progress.last_annotation_id
    book = rate_book(session=session, project=project)
    kind = project.kind
    needs_result = any(r.payable_when == "agrees" for r in [*book.rates, book.now]) or (
        mark_fields(kind) is not None
    )
    works = _load_works(
        session,
        project_id,
        full=full,
        item_ids=item_ids,
        annotation_ids=annotation_ids,
        annotators=annotators,
        above=above,
        with_result=needs_result,
        with_time=book.changes,
    )
    targets = sorted({w.item_id for w in works})
    # Shares the organization's row with other builds; a payout being marked holds it
    # exclusively, so no entry lands in a period while it is paid (``payouts``).
    session.execute(
        select(Organization.id).where(Organization.id == project.org_id).with_for_update(read=True)
    )
    today = clock.now().date()
    # The ledger is read before the facts, each statement seeing what is committed when it
    # runs: a build of the same project that commits between the two reads then leaves this one
    # facts newer than its ledger, so it decides entries that build already wrote (their keys
    # make them nothing). The other order left a ledger newer than the facts: the other build's
    # earns, on items this one did not see finished yet, reversed as not payable.
    booked = _booked(session, project_id, [w.id for w in works], full)
    facts = _facts(session, project, works, targets, needs_result)
    entries = decide(
        org_id=project.org_id,
        project_id=project_id,
        works=works,
        booked=booked,
        book=book,
        facts=facts,
        day=facts.paid.open_day(today),
    )
    if full:  # the sweep also settles last month's accuracy bonus (once: its key)
        entries += month_bonuses(
            session=session,
            org_id=project.org_id,
            project_id=project_id,
            book=book,
            paused=facts.paused,
            today=today,
            day=facts.paid.open_day(today),
        )
    written = write_entries(session=session, entries=entries)
    _advance(session, project_id, max((w.id for w in works), default=0))
    if work:
        session.execute(delete(PayWork).where(PayWork.id.in_([row.id for row in work])))
    session.commit()
    return {
        "project_id": project_id,
        "work_rows": len(work),
        "annotations": len(works),
        "decided": len(entries),
        "written": written,
        "more": len(work) == WORK_ROWS,
    }


def _advance(session: Session, project_id: int, seen: int) -> None:
    """Raise the high-water mark to ``seen`` (never lower it: two runs may finish in any order)."""
    table = PayProgress.__table__
    statement = _insert(session)(table).values(
        project_id=project_id, last_annotation_id=seen, built_at=clock.now()
    )
    higher = statement.excluded.last_annotation_id > table.c.last_annotation_id
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["project_id"],
            set_={
                "last_annotation_id": case(
                    (higher, statement.excluded.last_annotation_id),
                    else_=table.c.last_annotation_id,
                ),
                "built_at": statement.excluded.built_at,
            },
        )
    )


def _take_work(session: Session, project_id: int) -> list[PayWork]:
    query = (
        select(PayWork)
        .where(PayWork.project_id == project_id)
        .order_by(PayWork.id)
        .limit(WORK_ROWS)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.execute(query).scalars())


def _insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _apply_facts(
    session: Session, project_id: int, work: Sequence[PayWork]
) -> tuple[set[int], set[int], set[int]]:
    """Write down what the events said; the items, annotations and annotators to look at."""
    item_ids: set[int] = set()
    annotation_ids: set[int] = set()
    annotators: set[int] = set()
    for row in work:
        if row.what in ("finished", "final") and row.item_ids:
            item_ids.update(row.item_ids)
            mark_items(session, project_id, row.item_ids, row.what)
        elif row.what == "stopped" and row.annotation_ids:
            annotation_ids.update(row.annotation_ids)
            mark_stopped(session, project_id, row.annotation_ids, row.reason or "rejected")
        elif row.what == "paused" and row.annotator_id is not None:
            annotators.add(row.annotator_id)
    return item_ids, annotation_ids, annotators


def _mark_done_finished(session: Session, project_id: int) -> None:
    """The sweep's catch-up: done items with a consensus row are finished."""
    done = set(done_items(session=session, project_id=project_id).tolist())
    with_consensus = set(
        session.execute(
            select(Consensus.item_id).where(Consensus.project_id == project_id)
        ).scalars()
    )
    known = set(
        session.execute(
            select(PayItemFact.item_id).where(
                PayItemFact.project_id == project_id, PayItemFact.finished.is_(True)
            )
        ).scalars()
    )
    mark_items(session, project_id, sorted((done & with_consensus) - known), "finished")


def _load_works(
    session: Session,
    project_id: int,
    *,
    full: bool,
    item_ids: set[int],
    annotation_ids: set[int],
    annotators: set[int],
    above: int,
    with_result: bool,
    with_time: bool,
) -> list[Work]:
    """The annotations to decide about; the submit time only when the rates changed (reading
    a million timestamps is a large part of a full pass), the answer only when it matters."""
    columns = [Annotation.id, Annotation.item_id, Annotation.annotator_id, Annotation.is_gold]
    columns.append(Annotation.created_at if with_time else literal(None))
    columns.append(Annotation.result if with_result else literal(None))
    base = select(*columns).where(Annotation.project_id == project_id)
    found: dict[int, Work] = {}

    def take(query: Any) -> None:
        for row in session.execute(query):
            found[row[0]] = Work(*row)

    if full:
        take(base)
        return sorted(found.values(), key=lambda w: w.id)
    take(base.where(Annotation.id > above))
    for ids in _chunks(sorted(item_ids)):
        take(base.where(Annotation.item_id.in_(ids)))
    for ids in _chunks(sorted(annotation_ids)):
        take(base.where(Annotation.id.in_(ids)))
    for annotator in sorted(annotators):
        take(base.where(Annotation.annotator_id == annotator))
    return sorted(found.values(), key=lambda w: w.id)


def _facts(
    session: Session, project: Project, works: Sequence[Work], items: list[int], with_result: bool
) -> Facts:
    finished: set[int] = set()
    final: set[int] = set()
    consensus: dict[int, dict[str, Any]] = {}
    whole = len(items) > 50_000  # read the project's rows at once rather than by lists
    fact_query = select(PayItemFact.item_id, PayItemFact.finished, PayItemFact.final)
    consensus_query = select(Consensus.item_id, Consensus.result)
    for ids in [None] if whole else _chunks(items):
        where_fact = (
            PayItemFact.project_id == project.id if ids is None else PayItemFact.item_id.in_(ids)
        )
        for item_id, is_finished, is_final in session.execute(fact_query.where(where_fact)):
            if is_finished:
                finished.add(item_id)
            if is_final:
                final.add(item_id)
        if with_result:
            where = (
                Consensus.project_id == project.id if ids is None else Consensus.item_id.in_(ids)
            )
            consensus.update({i: r for i, r in session.execute(consensus_query.where(where))})
    stopped = dict(
        session.execute(
            select(PayStopped.annotation_id, PayStopped.reason).where(
                PayStopped.project_id == project.id
            )
        ).all()
    )
    return Facts(
        kind=project.kind,
        match=get_kind(project.kind).consensus.match,
        finished=frozenset(finished),
        final=frozenset(final),
        consensus=consensus,
        stopped=stopped,
        paused=frozenset(paused_annotators(session=session, project_id=project.id)),
        paid=paid_periods(session=session, org_id=project.org_id),
    )


def _booked(
    session: Session, project_id: int, annotation_ids: list[int], full: bool
) -> dict[int, Booked]:
    query = select(
        PayEntry.annotation_id, PayEntry.kind, PayEntry.revision, PayEntry.amount, PayEntry.day
    ).where(PayEntry.project_id == project_id, PayEntry.annotation_id.is_not(None))
    booked: dict[int, Booked] = {}
    wanted = None if full or len(annotation_ids) > 50_000 else annotation_ids
    for ids in [None] if wanted is None else _chunks(wanted):
        rows = session.execute(
            query if ids is None else query.where(PayEntry.annotation_id.in_(ids))
        )
        for annotation_id, kind, revision, amount, day in rows:
            state = booked.setdefault(annotation_id, Booked())
            if kind == "earn":
                state.earns[revision] = (money(amount), day)
            elif kind == "reverse":
                state.reversed.add(revision)
            elif kind == "deduct":
                state.deducted = True
    return booked


def _chunks(ids: Sequence[int], size: int = CHUNK) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def pending_projects(*, session: Session) -> list[int]:
    """Projects with waiting work rows (the sweep sends their jobs again)."""
    return list(session.execute(select(PayWork.project_id).group_by(PayWork.project_id)).scalars())


def projects_with_rates(*, session: Session) -> list[int]:
    """Projects that pay anything (the nightly full pass visits them)."""
    return list(session.execute(select(func.distinct(PayRate.project_id))).scalars())
