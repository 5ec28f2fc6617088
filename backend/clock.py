"""The one place that tells the time, so lease expiry can be tested with a controlled clock."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """Current time, timezone-aware UTC. Tests monkeypatch this function."""
    return datetime.now(UTC)
