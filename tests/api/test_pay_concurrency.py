"""Two ledger jobs at once never write two entries for one annotation.

Two worker processes (``multiprocessing``, spawn: each with its own engine and connections) run
the full pass of the same project at the same moment, twice over, while the events' work rows
are still waiting; on PostgreSQL their inserts of the same keys really overlap (the second
waits on the first's uncommitted key, then does nothing). Afterwards every annotation has
exactly one ``earn``, and a rejection seen by both has exactly one ``reverse``.

The race's worst interleaving is also played out in one process, on PostgreSQL: one build
commits everything between the other's read of the ledger and its read of the facts.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from backend import events
from backend.db import get_engine
from backend.pay import build as pay_build
from backend.pay.models import PayDayTotal, PayEntry
from backend.pay.money import money
from support.factories import new_project, new_team
from support.pay_helpers import build, build_when_started, emit, entries, label, recompute
from support.seed import seed_items


def _race(project_id: int, *, full: bool) -> None:
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    workers = [
        context.Process(target=build_when_started, args=(project_id, full, start)) for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0


def _labelled_pay_project(client, *, items: int) -> tuple[int, list[dict]]:
    """A project paying 0.05 per item whose ``items`` items two annotators have both labelled,
    recomputed: the items' "finished" work rows wait for the ledger job."""
    team = new_team(client, annotators=2)
    project = new_project(
        client, team, overlap=2, max_overlap=2, gold_rate=0.0, pay={"per_item": "0.05"}
    )
    pid = project["id"]
    seed_items(project_id=pid, count=items)
    made = [label(client, who, pid, "other") for _ in range(items) for who in team.annotators]
    recompute(pid)
    return pid, made


def test_two_worker_processes_write_each_entry_once(client):
    pid, made = _labelled_pay_project(client, items=12)
    _race(pid, full=False)
    _race(pid, full=True)
    kinds = Counter((annotation, kind) for annotation, _, kind, _, _ in entries(pid))
    assert kinds == Counter({(m["id"], "earn"): 1 for m in made})

    rejected = [m["id"] for m in made[:5]]
    emit(
        events.AnnotationsStoppedCounting,
        project_id=pid,
        reason="review_rejected",
        annotation_ids=rejected,
    )
    _race(pid, full=False)
    _race(pid, full=True)
    kinds = Counter((annotation, kind) for annotation, _, kind, _, _ in entries(pid))
    assert [kinds[(i, "reverse")] for i in rejected] == [1] * 5
    assert sum(n for (_, kind), n in kinds.items() if kind == "reverse") == 5
    assert max(kinds.values()) == 1
    with Session(get_engine()) as session:
        ledger = session.execute(
            select(func.sum(PayEntry.amount)).where(PayEntry.project_id == pid)
        ).scalar_one()
        totals = session.execute(
            select(func.sum(PayDayTotal.amount), func.sum(PayDayTotal.earns)).where(
                PayDayTotal.project_id == pid
            )
        ).one()
    assert money(totals[0]) == money(ledger) == Decimal("0.95")  # 24 x 0.05 - 5 x 0.05
    assert totals[1] == len(made)  # the two jobs' totals count each entry once


def test_a_build_committing_between_the_others_two_reads_changes_nothing(
    client, is_postgres, monkeypatch
):
    """Build B found the work rows taken (``SKIP LOCKED``); build A, which took them, marks the
    items finished and earns, and commits right after B's first read of ledger or facts. B must
    then write nothing: no ``reverse`` of A's earns as "not finished yet"."""
    if not is_postgres:
        pytest.skip("SQLite has one writer at a time: two builds never overlap there")
    pid, made = _labelled_pay_project(client, items=4)

    main_thread = threading.get_ident()
    other_ran: list[dict] = []

    def build_a_once() -> None:
        if not other_ran:
            with ThreadPoolExecutor(1) as pool:
                other_ran.append(pool.submit(build, pid).result(timeout=60))

    def first_read_then_a(real):
        def read(*args, **kwargs):
            answer = real(*args, **kwargs)
            if threading.get_ident() == main_thread:
                build_a_once()
            return answer

        return read

    real_take = pay_build._take_work
    monkeypatch.setattr(
        pay_build,
        "_take_work",
        lambda *args: [] if threading.get_ident() == main_thread else real_take(*args),
    )
    monkeypatch.setattr(pay_build, "_booked", first_read_then_a(pay_build._booked))
    monkeypatch.setattr(pay_build, "_facts", first_read_then_a(pay_build._facts))

    done = build(pid)

    assert other_ran and other_ran[0]["written"] == len(made)
    assert done["written"] == 0
    kinds = Counter((annotation, kind) for annotation, _, kind, _, _ in entries(pid))
    assert kinds == Counter({(m["id"], "earn"): 1 for m in made})
