"""docker-compose.yml describes the production topology with settings Jinbiao really reads.

No Docker engine runs here, so the file is checked structurally: the services, their health
checks and start order, and that every JINBIAO_* variable it sets is a real setting.
"""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest

from backend.settings import Settings

yaml = pytest.importorskip("yaml")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_production_topology(compose):
    services = compose["services"]
    assert {"postgres", "redis", "api", "worker", "beat"} <= set(services)
    for name in ("postgres", "redis", "api", "worker"):
        assert "healthcheck" in services[name], name
    for name in ("api", "worker", "beat"):
        assert services[name]["volumes"] == ["media:/data"]
    assert services["api"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["api"]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert services["worker"]["depends_on"]["api"]["condition"] == "service_healthy"
    assert {"pgdata", "redisdata", "media", "miniodata"} <= set(compose["volumes"])


def test_compose_sizes_postgresql_memory_beyond_its_laptop_defaults(compose):
    command = compose["services"]["postgres"]["command"]
    settings = dict(value.split("=", 1) for flag, value in pairwise(command) if flag == "-c")
    assert command[0] == "postgres"
    assert settings["shared_buffers"] == "${PG_SHARED_BUFFERS:-1GB}"
    assert settings["effective_cache_size"] == "${PG_EFFECTIVE_CACHE_SIZE:-3GB}"
    assert settings["max_wal_size"] == "${PG_MAX_WAL_SIZE:-4GB}"
    assert settings["checkpoint_timeout"] == "${PG_CHECKPOINT_TIMEOUT:-15min}"
    assert settings["wal_compression"] == "lz4"  # PostgreSQL 15 and later


def test_compose_sets_only_real_settings(compose):
    env = compose["services"]["api"]["environment"]
    fields = set(Settings.model_fields)
    for key in env:
        if key.startswith("AWS_"):  # the S3 store's credentials, read by boto3 itself
            continue
        assert key.startswith("JINBIAO_"), key
        assert key.removeprefix("JINBIAO_").lower() in fields, key
    assert env["JINBIAO_ENV"] == "production"
    assert env["JINBIAO_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert env["JINBIAO_BROKER_URL"].startswith("redis://")


def test_compose_commands_are_real_cli_commands(compose):
    from typer.main import get_command

    from backend.cli import app

    commands = set(get_command(app).commands)
    for name in ("api", "worker"):
        command = compose["services"][name]["command"]
        assert command[0] == "jinbiao" and command[1] in commands


def test_no_secret_is_committed(compose):
    text = (ROOT / "docker-compose.yml").read_text()
    assert re.search(r"JINBIAO_SECRET_KEY: \$\{JINBIAO_SECRET_KEY:\?", text)


def test_default_secret_is_refused_outside_local_mode():
    with pytest.raises(ValueError, match="JINBIAO_SECRET_KEY"):
        Settings(env="production")
    Settings(env="production", secret_key="x" * 40)


def test_runtime_files_live_under_the_data_folder(tmp_path) -> None:
    """Beat's schedule (and the embedded broker and results) never land in the working folder."""
    from backend.queue import celery_config
    from backend.settings import Settings

    settings = Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{tmp_path}/x.db")
    config = celery_config(settings)
    data_dir = (tmp_path / "data").resolve()
    assert config["beat_schedule_filename"] == str(data_dir / "celerybeat-schedule")
    assert data_dir.is_dir()
    for folder in config["broker_transport_options"].values():
        if isinstance(folder, str):
            assert folder.startswith(str(data_dir))
