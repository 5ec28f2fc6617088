"""Test environment: a fresh database and broker per test session, real services when asked.

By default the suite runs embedded: a SQLite file and Celery's filesystem broker in a temporary
folder. ``.ci/run`` also sets

* ``JINBIAO_TEST_DATABASE_URL`` (``postgresql+psycopg://…/test``): a fresh database is created
  beside it for this session and dropped at the end;
* ``JINBIAO_TEST_BROKER_URL`` (``redis://…/15``): that Redis database is flushed and used as the
  Celery broker and result store.

Nothing is skipped when they are set: an unreachable server fails the run.
Under pytest-xdist (``make test`` runs the suite in parallel) every worker process imports this
file and so gets a data folder, a database and a queue of its own: workers share nothing but
the servers.
The environment is set before anything of the backend is imported, so the worker processes the
tests start inherit exactly the same configuration.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import uuid
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parent
REPO_ROOT = TESTS_DIR.parent
sys.path.insert(0, str(TESTS_DIR))  # `from support import ...`

_DATA_DIR = Path(tempfile.mkdtemp(prefix="jinbiao-test-"))
_PG_BASE = os.environ.get("JINBIAO_TEST_DATABASE_URL", "")
_BROKER = os.environ.get("JINBIAO_TEST_BROKER_URL", "")

from support.scratch_db import create_database, drop_database  # noqa: E402

os.environ["JINBIAO_ENV"] = "local"
# Cheap Argon2 parameters: the suite signs up hundreds of users; production keeps the defaults.
os.environ["JINBIAO_PASSWORD_HASH_TIME_COST"] = "1"
os.environ["JINBIAO_PASSWORD_HASH_MEMORY_KIB"] = "1024"
os.environ["JINBIAO_DATA_DIR"] = str(_DATA_DIR)
os.environ["JINBIAO_DATABASE_URL"] = (
    create_database(_PG_BASE, "jinbiao_test")
    if _PG_BASE
    else f"sqlite:///{_DATA_DIR / 'jinbiao.db'}"
)
# A queue of its own: two test runs sharing one Redis never take each other's jobs.
os.environ["JINBIAO_QUEUE_NAME"] = f"jinbiao-test-{uuid.uuid4().hex[:10]}"
if _BROKER:
    os.environ["JINBIAO_BROKER_URL"] = _BROKER
    os.environ["JINBIAO_RESULT_BACKEND"] = _BROKER
    # A job of a SIGKILLed worker comes back quickly enough for the tests to see it.
    os.environ["JINBIAO_BROKER_VISIBILITY_TIMEOUT"] = "15"
else:
    os.environ.pop("JINBIAO_BROKER_URL", None)
    os.environ.pop("JINBIAO_RESULT_BACKEND", None)
os.environ["JINBIAO_IMPORT_ROOT"] = str(_DATA_DIR / "import-root")
# The fake outside models the tests start listen on loopback, which a deployment refuses unless
# its operator allows the network (``backend.security.destinations``).
os.environ["JINBIAO_MODEL_ENDPOINT_NETWORKS"] = '["127.0.0.0/8"]'
(_DATA_DIR / "import-root").mkdir()

import pytest  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from backend.app import create_app  # noqa: E402
from backend.migrate import upgrade  # noqa: E402
from backend.settings import get_settings  # noqa: E402

upgrade()

pytest_plugins = ["support.fixtures"]


def pytest_report_header(config: pytest.Config) -> list[str]:
    settings = get_settings()
    database = "postgresql" if not settings.is_sqlite else "sqlite"
    return [f"jinbiao: database={database} broker={settings.broker_url.split(':')[0]}"]


@pytest.fixture(scope="session")
def app():
    return create_app()


@pytest.fixture(scope="session")
def client(app) -> TestClient:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def is_postgres() -> bool:
    return not get_settings().is_sqlite


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from backend.db import get_engine

    get_engine().dispose()
    if _PG_BASE:
        drop_database(os.environ["JINBIAO_DATABASE_URL"], base_url=_PG_BASE)
    shutil.rmtree(_DATA_DIR, ignore_errors=True)
