"""With the broker's Redis unreachable, work that is stored answers at once and is sent later:
asking for a job's result made Celery's Redis result store subscribe at the send, which retried
twenty times a second apart and then raised ``RuntimeError`` — the manager's "recompute" button
answered 500 after 19 s (found on a PostgreSQL + Redis deployment). Jobs are now sent without a
kept result, and the stored request is sent again by the sweep on beat."""

from __future__ import annotations

import pytest

from backend import queue
from backend.consensus.models import ProjectQuality
from backend.db import get_engine
from backend.settings import get_settings
from support.factories import new_project
from support.fixtures import free_port


@pytest.fixture
def dead_redis(monkeypatch):
    """The Celery app of this process pointed at a Redis port nobody listens on."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    settings = get_settings().model_copy(update={"broker_url": url, "result_backend": url})
    app = queue.make_celery(settings)
    app.conf.broker_connection_timeout = 1
    monkeypatch.setattr(queue, "get_celery", lambda: app)
    return app


def test_a_recompute_asked_while_the_broker_is_down_is_stored_and_answered(
    client, team, dead_redis
):
    from sqlmodel import Session

    project = new_project(client, team, "text_classification")
    answer = client.post(
        f"/api/v1/projects/{project['id']}/quality/recompute", headers=team.manager.headers
    )
    assert answer.status_code == 202, answer.text
    with Session(get_engine()) as session:
        stored = session.get(ProjectQuality, project["id"])
        assert stored is not None and stored.requested_at is not None  # the sweep sends it
