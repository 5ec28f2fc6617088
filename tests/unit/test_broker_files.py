"""The embedded broker never shows a consumer a message that is still being written."""

from __future__ import annotations

import os

from kombu import Connection

from backend import broker_files


def _connection(folder) -> Connection:
    broker_files.install()
    options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "control_folder": str(folder.parent / "control"),
    }
    return Connection("filesystem://", transport_options=options)


def test_a_message_is_renamed_into_place_only_once_written(tmp_path, monkeypatch) -> None:
    tmp_path = tmp_path / "queue"
    tmp_path.mkdir()
    seen_before_rename: list[list[str]] = []
    real_replace = os.replace

    def watching_replace(src, dst):
        seen_before_rename.append(sorted(os.listdir(tmp_path)))
        with open(src, "rb") as f:
            assert f.read().startswith(b"{")  # whole JSON before it gets its final name
        real_replace(src, dst)

    monkeypatch.setattr(broker_files.os, "replace", watching_replace)
    with _connection(tmp_path) as connection:
        queue = connection.SimpleQueue("jobs")
        queue.put({"job": "recompute", "project_id": 7})
        # While writing, only the .part name existed: no consumer matches it.
        assert len(seen_before_rename) == 1
        (only,) = seen_before_rename[0]
        assert only.endswith(".jobs.msg.part")
        assert only.partition(".")[2] != "jobs.msg"
        message = queue.get(timeout=2)
        assert message.payload == {"job": "recompute", "project_id": 7}
        message.ack()
        queue.close()
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".part")]


def test_the_alias_is_installed_for_the_app() -> None:
    from kombu.transport import resolve_transport

    from backend.queue import get_celery

    get_celery()
    assert resolve_transport("filesystem") is broker_files.Transport
