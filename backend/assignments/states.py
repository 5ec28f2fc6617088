"""An annotator's row in ``annotator_states``: created on first use, locked by ``next``.

``next`` starts by locking this row (``SELECT … FOR NO KEY UPDATE`` on PostgreSQL; SQLite
serialises all writers anyway), so one annotator's requests for items run one after another: two
browser tabs cannot take two leases. While it holds this lock ``next`` waits for nothing else (it
skips locked items), which is what keeps the distribution transactions free of deadlocks; submit
takes it last, and only for gold.
"""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from backend import clock
from backend.assignments.models import AnnotatorState


def lock_state(*, session: Session, project_id: int, user_id: int) -> AnnotatorState:
    """The caller's state row, created if missing, locked until the transaction ends."""
    query = (
        select(AnnotatorState)
        .where(AnnotatorState.project_id == project_id, AnnotatorState.user_id == user_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    state = session.exec(query).first()
    if state is not None:
        return state
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(AnnotatorState)
        .values(
            project_id=project_id,
            user_id=user_id,
            status="active",
            gold_answered=0,
            gold_correct=0.0,
            updated_at=clock.now(),
        )
        .on_conflict_do_nothing()
    )
    return session.exec(query).one()
