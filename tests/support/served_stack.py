"""The served stack of the fault tests: API processes and a worker on a scratch PostgreSQL
database and the test Redis, behind cut-able TCP proxies (``tests/benchmarks/fault_stack.py``).

The fault and outage tests in tests/workers share what they need to run it: the skip when the
real servers are not configured, the benchmark modules (``tests/benchmarks`` is not a package),
and a stack on a database of its own, stopped and dropped at the end.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
PG_BASE = os.environ.get("JINBIAO_TEST_DATABASE_URL", "")
REDIS = os.environ.get("JINBIAO_TEST_BROKER_URL", "")

needs_postgresql_and_redis = pytest.mark.skipif(
    not (PG_BASE.startswith("postgresql") and REDIS.startswith("redis")),
    reason="needs PostgreSQL and Redis (JINBIAO_TEST_DATABASE_URL, JINBIAO_TEST_BROKER_URL)",
)


@contextmanager
def benchmark_modules(*names: str) -> Iterator[tuple[ModuleType, ...]]:
    """The named modules of tests/benchmarks, importable only while the block runs."""
    import importlib

    sys.path.insert(0, str(BENCHMARKS))
    try:
        yield tuple(importlib.import_module(name) for name in names)
    finally:
        sys.path.remove(str(BENCHMARKS))


@contextmanager
def served_stack(name: str, **start: Any) -> Iterator[tuple[Any, str, ModuleType]]:
    """``(stack, database_url, bench_distribution)``: one API process (and the worker unless
    ``with_worker=False``) started with ``start``'s arguments on a scratch database ``name``."""
    from support.scratch_db import scratch_database

    with (
        benchmark_modules("bench_distribution", "fault_stack") as (bench_distribution, stacks),
        scratch_database(PG_BASE, name) as database_url,
        tempfile.TemporaryDirectory(prefix=f"{name}-") as workdir,
    ):
        stack = stacks.Stack(
            database_url=database_url,
            redis_url=REDIS,
            port=bench_distribution.free_port(),
            api_processes=1,
            workdir=Path(workdir),
        )
        try:
            stack.start(**start)
            yield stack, database_url, bench_distribution
        finally:
            stack.stop()
