"""The fast path of ``next`` and ``submit``: plain statements in the thread pool, no ORM objects.

It applies to a caller who may work here and has a state row (``next``), or to a live lease of an
active member (``submit``); the caller's access is checked by the first statement of the work,
which also locks what the work needs. Anything else is handed back, with nothing done, to the
general path (``general_path``), whose answers are those of the shared access dependencies.

``next``: on PostgreSQL ``BEGIN``, the state lock (which also checks the caller's access and
turns ``synchronous_commit`` off for this transaction), the held lease, the pick, the insert and
``COMMIT`` (``leasing``). ``submit``: one statement reads and locks the assignment and its item
with the project and the caller's role, then ``submitting.store`` writes.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from backend import clock
from backend.assignments import leasing
from backend.assignments.outcomes import (
    HandBack,
    HandBackReason,
    Leased,
    NothingLeft,
    Paused,
    Stored,
)
from backend.assignments.stages import StageRules
from backend.assignments.submitting import Answer, Locked, store
from backend.db import JSONType, UTCDateTime


def next_lease(
    *, session: Session, rules: StageRules, project_id: int, user_id: int, generation: int
) -> Leased | NothingLeft | Paused | HandBack:
    """``next`` for a caller whose state row exists, whose sign-in is current and who may work
    in the stage and on the project."""
    locked = leasing.lock_for_next(
        session=session, rules=rules, project_id=project_id, user_id=user_id, generation=generation
    )
    if locked is None:  # refused, or no state row yet
        session.rollback()
        return HandBack(HandBackReason.refused)
    return leasing.next_assignment(
        session=session, rules=rules, project=locked.project, annotator_id=user_id, locked=locked
    )


# What the fast path reads of the project: the kind and labels (validation, gold score), the
# rule-5 settings and the organization (pausing, audit). Only these are selected: every further
# column costs SQLAlchemy result processing on each submit.
_PROJECT_COLUMNS = ("id", "org_id", "kind", "labels", "gold_min_count", "min_gold_accuracy")

# The assignment and its item, locked in this order (the rows of one statement are locked in the
# order of the FROM list), with the project and the caller's role; only for an active caller.
_READ = """
SELECT a.project_id, a.item_id, a.status, a.expires_at, m.role,
       i.width AS i_width, i.height AS i_height, i.text AS i_text, i.is_gold AS i_is_gold,
       i.annotation_count AS i_annotation_count, i.wanted AS i_wanted
       {project}
FROM assignments a
JOIN items i ON i.id = a.item_id
JOIN projects p ON p.id = a.project_id
JOIN memberships m ON m.org_id = p.org_id AND m.user_id = a.annotator_id
JOIN users u ON u.id = a.annotator_id AND u.is_active AND u.token_generation = :generation
WHERE a.id = :assignment_id AND a.annotator_id = :user_id AND a.stage = :stage
"""


# A label rename locks the project FOR UPDATE before it rewrites stored answers: holding it FOR
# KEY SHARE before the labels are read makes a submit either finish before the rename reads the
# answers or wait for it and validate against the new names (tests/api/test_label_rename_race.py).
_LOCK_PROJECT = text(
    "SELECT 1 FROM projects p JOIN assignments a ON a.project_id = p.id "
    "WHERE a.id = :assignment_id FOR KEY SHARE OF p"
)


def _read_statement(postgresql: bool) -> Any:
    sql = _READ.format(project="".join(f", p.{c} AS p_{c}" for c in _PROJECT_COLUMNS))
    if postgresql:
        sql += "FOR NO KEY UPDATE OF a, i"
    return text(sql).columns(p_labels=JSONType, expires_at=UTCDateTime())


_READ_STATEMENTS = {postgresql: _read_statement(postgresql) for postgresql in (False, True)}


def submit(
    *,
    session: Session,
    rules: StageRules,
    assignment_id: int,
    user_id: int,
    generation: int,
    answer: Answer,
) -> Stored | HandBack:
    """Store the result of a live lease of an active member; raises 422 and 409 as
    ``submitting.store`` does."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:  # the project first, FOR KEY SHARE, as jinbiao_submit (0021_label_lock) does
        session.execute(_LOCK_PROJECT, {"assignment_id": assignment_id})
    row = session.execute(
        _READ_STATEMENTS[postgresql],
        {
            "assignment_id": assignment_id,
            "user_id": user_id,
            "generation": generation,
            "stage": rules.stage.value,
        },
    ).first()
    if row is None or row.role not in rules.roles:
        session.rollback()
        return HandBack(HandBackReason.refused)
    if row.status != "leased":
        session.rollback()
        return HandBack(HandBackReason.not_leased)
    values = row._mapping
    project = SimpleNamespace(**{c: values[f"p_{c}"] for c in _PROJECT_COLUMNS})
    item = SimpleNamespace(
        id=row.item_id,
        width=row.i_width,
        height=row.i_height,
        text=row.i_text,
        is_gold=bool(row.i_is_gold),
        annotation_count=row.i_annotation_count,
        wanted=row.i_wanted,
    )
    assignment = SimpleNamespace(id=assignment_id, expires_at=row.expires_at)
    locked = Locked(project, item, assignment)
    return store(session=session, locked=locked, user_id=user_id, answer=answer, now=clock.now())
