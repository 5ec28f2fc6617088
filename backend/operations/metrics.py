"""Prometheus metrics: what the API serves at ``GET /metrics`` (issue 23, SPEC "Operations").

``prometheus_client`` (the Prometheus project's own Python client). With several API processes
(``jinbiao serve --api-processes N``) and workers, each process writes its samples to files in
``PROMETHEUS_MULTIPROC_DIR`` and a scrape adds them up (the client's multiprocess mode,
https://prometheus.github.io/client_python/multiprocess/); ``jinbiao serve`` sets that folder
under the data folder when metrics are on. Without it (tests, one process) the process's own
registry is served.

Figures that live in the database or the broker (queue depth, recompute lag, ledger lag) are read
when scraped, by callbacks the domains that own them register in ``backend/wiring.py``: this
module, part of the foundation, knows none of their tables.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

# Buckets around the API's targets (p99 of next/submit ≤ 50-100 ms; pages ≤ 150 ms).
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0)

REQUEST_SECONDS = Histogram(
    "jinbiao_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template, method and status.",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
LEASES = Counter(
    "jinbiao_leases_total", "Leases handed out (next answered 200), by stage.", ["stage"]
)
SUBMITS = Counter(
    "jinbiao_submits_total", "Submits stored or repeated (200/201), by stage.", ["stage"]
)
JOB_SECONDS = Histogram(
    "jinbiao_job_duration_seconds",
    "Celery job durations, by task name and outcome.",
    ["task", "outcome"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800),
)


@dataclass(frozen=True)
class ScrapeGauge:
    """A gauge read when scraped: ``read()`` yields (label values, value) pairs."""

    name: str
    documentation: str
    labels: tuple[str, ...]
    read: Callable[[], Iterable[tuple[tuple[str, ...], float]]]


_scrape_gauges: dict[str, ScrapeGauge] = {}


def add_scrape_gauge(gauge: ScrapeGauge) -> None:
    """Register (or replace, by name) a gauge computed at scrape time."""
    _scrape_gauges[gauge.name] = gauge


class _ScrapeGauges(Collector):
    def collect(self) -> Iterable[Metric]:
        for gauge in list(_scrape_gauges.values()):
            family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=list(gauge.labels))
            try:
                samples = list(gauge.read())
            except Exception:  # a database or broker that is down must not fail the scrape
                samples = []
            for labels, value in samples:
                family.add_metric(list(labels), value)
            yield family


def exposition() -> tuple[bytes, str]:
    """The current samples in Prometheus' text format, and its content type."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
        samples = generate_latest(registry)
    else:
        samples = generate_latest(REGISTRY)
    scraped = CollectorRegistry()
    scraped.register(_ScrapeGauges())
    return samples + generate_latest(scraped), CONTENT_TYPE_LATEST
