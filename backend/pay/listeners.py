"""What pay hears from the domains below it, written down inside the emitter's transaction.

Each event becomes one ``pay_work`` row (not one row per item: a first recompute may finish a
million items) and a ledger job sent after the commit. The row commits or rolls back with the
change itself, so a decision the database kept is never lost even if the job's message is
(the job and the sweep on beat read the rows, not the message).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import Session

from backend import events
from backend.pay.models import PayWork
from backend.pay.rates import record_change
from backend.queue import enqueue, enqueue_after_commit

log = logging.getLogger(__name__)

BUILD_JOB = "jinbiao.pay.build"
PAUSED = "annotator_paused"


def subscribe_listeners() -> None:
    events.subscribe(events.ItemsFinished, on_items_finished)
    events.subscribe(events.ItemsFinal, on_items_final)
    events.subscribe(events.FinalRowsCommitted, on_final_rows_committed)
    events.subscribe(events.AnnotationsStoppedCounting, on_stopped_counting)
    events.subscribe(events.ProjectSettingsChanged, record_change)


def on_items_finished(event: events.ItemsFinished) -> None:
    _work(event.session, event.project_id, "finished", item_ids=list(event.item_ids))


def on_items_final(event: events.ItemsFinal) -> None:
    _work(event.session, event.project_id, "final", item_ids=list(event.item_ids))


def on_final_rows_committed(event: events.FinalRowsCommitted) -> None:
    """The row is committed already (by PostgreSQL's one-call verdict, the one that set the
    project's due flag: ``pay.due``): only the job to send.
    A broker error is logged, not raised, as ``enqueue_after_commit`` does (the sweep on beat
    reads the rows)."""
    try:
        enqueue(BUILD_JOB, event.project_id)
    except Exception:
        log.exception("could not send %s(%r); the sweep will catch up", BUILD_JOB, event.project_id)


def on_stopped_counting(event: events.AnnotationsStoppedCounting) -> None:
    """A pause names the annotator (all of their work in the project, while paused); a
    rejection names its annotations (for good, with the project's deduction)."""
    if event.annotator_id is not None:
        _work(
            event.session,
            event.project_id,
            "paused",
            annotator_id=event.annotator_id,
            reason=event.reason,
        )
    if event.annotation_ids:
        _work(
            event.session,
            event.project_id,
            "stopped",
            annotation_ids=list(event.annotation_ids),
            reason=event.reason,
        )


def _work(session: Session, project_id: int, what: str, **fields: Any) -> None:
    session.add(PayWork(project_id=project_id, what=what, **fields))
    enqueue_after_commit(session, BUILD_JOB, project_id)
