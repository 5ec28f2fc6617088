"""The PostgreSQL functions run exactly the source in ``backend/assignments/sql/*.sql``.

A revision installs a frozen copy of those files (0009 the first; 0021_label_lock the latest for
``jinbiao_submit``). Editing a ``.sql`` file without a new revision that installs it fails here:
the database at head is compared with the files, each installed into a scratch schema inside a
rolled-back transaction and printed back by PostgreSQL itself (``pg_get_functiondef``), so spacing
and comments outside the body count for nothing but everything PostgreSQL runs does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, text
from sqlmodel import Session

from backend import clock
from backend.assignments.pg_functions import SOURCES
from backend.consensus.scheduling import mark_requested
from backend.db import get_engine
from support.factories import new_project, new_team

CHECK_SCHEMA = "jinbiao_source_check"


@pytest.fixture(autouse=True)
def _postgresql_only(is_postgres):
    if not is_postgres:
        pytest.skip("the functions exist on PostgreSQL only")


def _definitions(connection: Connection, schema: str) -> list[tuple[str, str]]:
    rows = connection.execute(
        text(
            "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = :schema AND p.proname LIKE 'jinbiao%' ORDER BY 1, 2"
        ),
        {"schema": schema},
    ).all()
    return [(name, definition.replace(f"{schema}.", "<schema>.")) for name, definition in rows]


def test_the_database_at_head_runs_exactly_the_sql_files():
    files = {path.stem: path.read_text() for path in sorted(SOURCES.glob("*.sql"))}
    assert sorted(files) == [
        "jinbiao_mark_requested",
        "jinbiao_next",
        "jinbiao_review_fold",
        "jinbiao_review_next",
        "jinbiao_review_submit",
        "jinbiao_submit",
    ]
    with get_engine().connect() as connection:
        installed = _definitions(connection, "public")
        connection.exec_driver_sql(f"CREATE SCHEMA {CHECK_SCHEMA}")
        connection.exec_driver_sql(f"SET LOCAL search_path TO {CHECK_SCHEMA}")
        for source in files.values():
            connection.exec_driver_sql(source)
        expected = _definitions(connection, CHECK_SCHEMA)
        connection.rollback()
    assert [name for name, _ in expected] == sorted(files)  # one function per file
    assert installed == expected, "a .sql file changed without a new revision that installs it"


def test_a_stage_that_is_not_built_is_refused_by_the_functions(client):
    team = new_team(client, annotators=1)
    project = new_project(client, team, "text_classification")
    with get_engine().connect() as connection:
        with pytest.raises(Exception, match="the review stage is not built yet"):
            connection.execute(
                text("SELECT * FROM jinbiao_next('review', :p, :u, now(), '{annotator}', 8, 0)"),
                {"p": project["id"], "u": team.annotators[0].id},
            )
        connection.rollback()


def _quality_row(session: Session, project_id: int) -> tuple | None:
    row = session.execute(
        text(
            "SELECT requested_at, started_at, figures, n_annotations, duration_ms "
            "FROM project_quality WHERE project_id = :p"
        ),
        {"p": project_id},
    ).first()
    return tuple(row) if row is not None else None


@pytest.mark.parametrize("before", ["no row", "not requested", "requested"])
def test_the_recompute_flag_is_the_same_in_python_and_in_sql(client, monkeypatch, before):
    """``consensus.scheduling.mark_requested`` (SQLite, the Python submit paths) and
    ``jinbiao_mark_requested`` (called by ``jinbiao_submit``) from the same starting row."""
    now = datetime(2026, 12, 12, 9, 30, tzinfo=UTC)
    started = now - timedelta(seconds=5)
    earlier = now - timedelta(seconds=1)
    team = new_team(client, annotators=1)
    by_python, by_sql = (new_project(client, team, "text_classification")["id"] for _ in range(2))
    monkeypatch.setattr(clock, "now", lambda: now)  # after sign-in: tokens use the real time
    with Session(get_engine()) as session:
        for project_id in (by_python, by_sql):
            if before != "no row":
                session.execute(
                    text(
                        "INSERT INTO project_quality (project_id, requested_at, started_at, "
                        "figures, n_annotations, duration_ms) "
                        "VALUES (:p, :r, :s, CAST('{}' AS jsonb), 0, 0)"
                    ),
                    {
                        "p": project_id,
                        "r": earlier if before == "requested" else None,
                        "s": started,
                    },
                )
        python_flagged = mark_requested(session=session, project_id=by_python)
        sql_flagged, sql_started = session.execute(
            text("SELECT flagged, started_at FROM jinbiao_mark_requested(:p, :now)"),
            {"p": by_sql, "now": now},
        ).one()
        python_row = _quality_row(session, by_python)
        sql_row = _quality_row(session, by_sql)
        session.rollback()
    expected_flag = {"no row": True, "not requested": True, "requested": False}[before]
    expected_row = {
        "no row": (now, None, {}, 0, 0),
        "not requested": (now, started, {}, 0, 0),
        "requested": (earlier, started, {}, 0, 0),
    }[before]
    assert (python_flagged, python_row) == (expected_flag, expected_row)
    assert (sql_flagged, sql_row) == (expected_flag, expected_row)
    # The job's countdown starts from the last recompute's start, returned when the flag is set
    # on an existing row.
    assert sql_started == (started if before == "not requested" else None)
