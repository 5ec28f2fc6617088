"""A change of a project's overlap, carried through: the open items follow it
(``backend.items.overlap``), the items a lower overlap made done are finished by the recompute it
asks for, and the audit trail says how many items moved.

Why the consensus of the items made done is dropped: the recompute announces an item as finished
(``ItemsFinished``: review, finality, pay) when its consensus row is inserted or changed while
the item is done. An item a lower overlap made done has the same answers as before, so its
stored consensus would come out unchanged and the item would stay done and never reach review or
become final. Without its row, the recompute inserts a fresh one — after its adaptive rule has
had its say (a contested item wants one more answer and is not finished) — as after a rework
(``final_answers.forget``). Until that run (one coalescing window), those items show no consensus.
"""

from __future__ import annotations

from dataclasses import asdict

from backend import events
from backend.audit.service import record
from backend.consensus.final_answers import forget
from backend.consensus.scheduling import RECOMPUTE_JOB, countdown, mark_requested
from backend.items.overlap import follow_overlap, overlap_change
from backend.queue import enqueue_after_commit


def on_settings_changed(event: events.ProjectSettingsChanged) -> None:
    """In the settings change's transaction: move the open items, drop the consensus of those
    now done, record it, and ask for a recompute (sent after the commit)."""
    change = overlap_change(event)
    if change is None:
        return
    session, project_id = event.session, event.project_id
    old, new = change
    moved = follow_overlap(session=session, project_id=project_id, old=old, new=new)
    forget(session=session, item_ids=moved.done)
    record(
        session,
        org_id=event.org_id,
        actor_id=event.actor_id,
        action="project.overlap_followed",
        target_type="project",
        target_id=project_id,
        data={"from": old, "to": new, **asdict(moved), "done": len(moved.done)},
    )
    if mark_requested(session=session, project_id=project_id):
        wait = countdown(session=session, project_id=project_id)
        enqueue_after_commit(session, RECOMPUTE_JOB, project_id, countdown=wait)


def subscribe_listeners() -> None:
    """Called by ``backend.wiring.wire``."""
    events.subscribe(events.ProjectSettingsChanged, on_settings_changed)
