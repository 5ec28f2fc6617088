"""``next`` in Python: lease one item to an annotator, or nothing when nothing is left for them.

The fast and the general path of ``dispatch`` both end here (SQLite always; PostgreSQL for what
``jinbiao_next`` hands back). One short transaction: lock the annotator's state row, hand back a
live lease of the stage they already hold (a page reload must not burn items), else decide gold
or normal, pick the item (see ``picking``), insert the assignment and commit. Leases end by time:
an expired lease simply stops counting, so correctness never waits for a sweeper.

The fast path is a few plain statements, no ORM objects: on PostgreSQL ``BEGIN``, the state lock
(which also checks the caller's access and turns ``synchronous_commit`` off for this
transaction: a lease lost in a crash is harmless, the annotator simply asks again), the held
lease, the pick (item fields included), the insert (which rechecks the free slot) and
``COMMIT``. Annotations are never written here, so their durability is untouched.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, text
from sqlmodel import Session

from backend import clock
from backend.assignments.annotator_states import lock_state
from backend.assignments.outcomes import Leased, NothingLeft, Paused
from backend.assignments.picking import (
    ITEM_FIELDS,
    RECHECKS,
    Candidate,
    insert_lease,
    pick_gold_item,
    pick_open_item,
)
from backend.assignments.stages import Stage, StageRules
from backend.db import JSONType, UTCDateTime
from backend.projects.access import work_condition_sql

# Gold draws need no secrecy from the server, only unpredictability for the annotator.
_rng = random.Random()


@dataclass(frozen=True)
class LockedState:
    """The caller's state row, locked, with the project it belongs to (the fast path)."""

    project: Any
    status: str
    paused_reason: str | None


# What ``next_assignment`` reads of the project on the fast path (an ORM object on the general
# path). Only these are selected: every further column costs SQLAlchemy result processing on
# each ``next``.
_PROJECT_COLUMNS = ("id", "kind", "gold_rate", "qualification_count", "lease_seconds")

# The state lock of the fast path: only rows the caller may work on come back, so the access
# check (active user, member of the project's organization with a labelling role) is the same
# statement. No row: the caller is refused, or has no state row yet; the slow path then answers
# exactly as before (401, 404, 403) or creates the row.
_LOCK_WITH_ACCESS = """
SELECT s.status, s.paused_reason, m.role, {settings}
  {project}
FROM annotator_states s
JOIN projects p ON p.id = s.project_id
JOIN memberships m ON m.org_id = p.org_id AND m.user_id = s.user_id
JOIN users u ON u.id = s.user_id AND u.is_active AND u.token_generation = :generation
WHERE s.project_id = :project_id AND s.user_id = :user_id
  AND {access}
"""

_HELD = f"""
SELECT a.id, a.expires_at, {ITEM_FIELDS}
FROM assignments a JOIN items i ON i.id = a.item_id
WHERE a.project_id = :project_id AND a.annotator_id = :annotator_id
  AND a.status = 'leased' AND a.expires_at > :now AND a.stage = :stage
ORDER BY a.expires_at DESC
LIMIT 1
"""  # noqa: S608

_HAD = """
SELECT count(*) FROM (
  SELECT 1 FROM assignments WHERE project_id = :project_id AND annotator_id = :annotator_id
  LIMIT :limit) had
"""


def _statement(sql: str, *stamps: str) -> Any:
    return text(sql).bindparams(*(bindparam(s, type_=UTCDateTime()) for s in stamps))


_HELD_STATEMENT = _statement(_HELD, "now").columns(expires_at=UTCDateTime(), prelabel=JSONType)


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


@lru_cache(maxsize=8)
def _lock_statement(postgresql: bool, unlisted: tuple[str, ...]) -> Any:
    sql = _LOCK_WITH_ACCESS.format(
        settings="set_config('synchronous_commit', 'off', true) AS sync"
        if postgresql
        else "NULL AS sync",
        project="".join(f", p.{name} AS p_{name}" for name in _PROJECT_COLUMNS),
        access=work_condition_sql(
            project="p", role="m.role", user_id=":user_id", unlisted=unlisted
        ),
    )
    if postgresql:
        sql += "FOR NO KEY UPDATE OF s"
    return text(sql)


def lock_for_next(
    *, session: Session, rules: StageRules, project_id: int, user_id: int, generation: int
) -> LockedState | None:
    """Lock the caller's state row where the caller may work in the stage; else None.

    On PostgreSQL the same statement sets ``synchronous_commit = off`` for this transaction.
    """
    statement = _lock_statement(_is_postgresql(session), rules.unlisted_names)
    params = {"project_id": project_id, "user_id": user_id, "generation": generation}
    row = session.execute(statement, params).first()
    if row is None or row.role not in rules.roles:
        return None
    values = row._mapping
    project = SimpleNamespace(**{name: values[f"p_{name}"] for name in _PROJECT_COLUMNS})
    return LockedState(project, row.status, row.paused_reason)


def live_lease(
    *, session: Session, stage: Stage, project: Any, annotator_id: int, now: datetime
) -> Leased | None:
    """The annotator's lease of this stage in this project that has not expired yet, if any."""
    params = {
        "project_id": project.id,
        "annotator_id": annotator_id,
        "now": now,
        "stage": stage.value,
    }
    row = session.execute(_HELD_STATEMENT, params).first()
    if row is None:
        return None
    return Leased(row[0], row[1], project.kind, _item(row[2:]))


def _item(values: Any) -> SimpleNamespace:
    item_id, item_text, media_key, width, height, prelabel = values
    return SimpleNamespace(
        id=item_id,
        text=item_text,
        media_key=media_key,
        width=width,
        height=height,
        prelabel=prelabel,
    )


def in_qualification(*, session: Session, project: Any, annotator_id: int) -> bool:
    """Whether the annotator has had fewer items than the project's qualification count.

    Counts at most ``qualification_count`` rows of the annotator's index range, never the
    whole history.
    """
    if project.qualification_count <= 0:
        return False
    count = session.execute(
        text(_HAD),
        {
            "project_id": project.id,
            "annotator_id": annotator_id,
            "limit": project.qualification_count,
        },
    ).scalar_one()
    return count < project.qualification_count


def choose_item(
    *, session: Session, project: Any, annotator_id: int, now: datetime
) -> Candidate | None:
    """Gold at ``gold_rate`` (always during qualification), else the next open item.

    No gold left for this annotator falls back to a normal item; no normal item left means
    nothing is left (gold alone would only test, not label).
    """
    qualifying = in_qualification(session=session, project=project, annotator_id=annotator_id)
    if qualifying or _rng.random() < project.gold_rate:
        gold = pick_gold_item(
            session=session, project_id=project.id, annotator_id=annotator_id, rng=_rng
        )
        if gold is not None:
            return gold
    return pick_open_item(
        session=session, project_id=project.id, annotator_id=annotator_id, now=now
    )


# The pick of each built stage (``stages`` says how review and acceptance add theirs).
_CHOOSERS: dict[Stage, Callable[..., Candidate | None]] = {Stage.annotate: choose_item}


def register_chooser(stage: Stage, chooser: Callable[..., Candidate | None]) -> None:
    """The pick of a stage built by a domain above this one (review, acceptance), registered at
    process start (``backend.wiring``): called as ``choose_item`` is, it returns a ``Candidate``
    whose item row it has locked, with ``rework_round`` set, or None."""
    if stage is Stage.annotate:
        raise ValueError("the annotate pick is this module's own")
    _CHOOSERS[stage] = chooser


def next_assignment(
    *,
    session: Session,
    rules: StageRules,
    project: Any,
    annotator_id: int,
    locked: LockedState | None = None,
) -> Leased | NothingLeft | Paused:
    """The caller's lease (an existing live one, or a new one), ``NothingLeft``, or ``Paused``
    when the annotator is paused in this project (rule 5: ``next`` answers 403).

    ``locked``: the state row already locked by ``lock_for_next`` in this transaction; without
    it the row is locked (and created when missing) here.
    """
    now = clock.now()
    if locked is None:
        if _is_postgresql(session):
            session.execute(text("SET LOCAL synchronous_commit = off"))
        state = lock_state(session=session, project_id=project.id, user_id=annotator_id)
        locked = LockedState(project, state.status, state.paused_reason)
    if locked.status == "paused":
        session.rollback()
        return Paused.of(locked.paused_reason)
    held = live_lease(
        session=session, stage=rules.stage, project=project, annotator_id=annotator_id, now=now
    )
    if held is not None:
        session.commit()
        return held
    expires_at = now + timedelta(seconds=project.lease_seconds)
    choose = _CHOOSERS[rules.stage]
    for _ in range(RECHECKS):
        candidate = choose(session=session, project=project, annotator_id=annotator_id, now=now)
        if candidate is None:
            session.commit()
            return NothingLeft()
        assignment_id = insert_lease(
            session=session,
            stage=rules.stage.value,
            project_id=project.id,
            annotator_id=annotator_id,
            candidate=candidate,
            now=now,
            expires_at=expires_at,
        )
        if assignment_id is not None:
            session.commit()
            return Leased(assignment_id, expires_at, project.kind, _item(candidate.item))
        # PostgreSQL only: a lease committed between the pick's snapshot and its lock filled
        # the item. The next pick takes a fresh snapshot and sees it; keeping the row lock is
        # harmless.
    session.commit()
    return NothingLeft()
