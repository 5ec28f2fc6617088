"""The deployment files agree with the code: the Grafana dashboard only plots metrics that
Jinbiao exports, and docker-compose has the services README "Running at scale" names."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SUFFIXES = ("_bucket", "_count", "_sum")


def _exported_names() -> set[str]:
    source = "".join(
        (ROOT / path).read_text() for path in ("backend/operations/metrics.py", "backend/wiring.py")
    )
    return set(re.findall(r'"(jinbiao_[a-z_]+)"', source))


def test_every_dashboard_metric_is_exported():
    dashboard = json.loads((ROOT / "deploy/grafana/jinbiao.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    used = {name for expr in exprs for name in re.findall(r"jinbiao_[a-z_]+", expr)}
    bare = set()
    for name in used:
        for suffix in SUFFIXES:
            if name.endswith(suffix) and name.removesuffix(suffix) in _exported_names():
                name = name.removesuffix(suffix)
        bare.add(name)
    assert bare <= _exported_names(), bare - _exported_names()
    assert len(bare) >= 6


def test_compose_has_one_port_in_front_of_several_apis_and_an_s3_store():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "minio", "gateway", "api", "worker", "beat"} <= set(services)
    assert services["api"]["deploy"]["replicas"] >= 2
    assert "ports" not in services["api"]  # reached through the gateway only
    assert services["gateway"]["ports"] == ["8000:8000"]
    env = compose["x-jinbiao-env"]
    assert env["JINBIAO_MEDIA_URL"].startswith("s3://")
    nginx = (ROOT / "deploy/nginx/jinbiao.conf").read_text()
    assert "server api:8000" in nginx
