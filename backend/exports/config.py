"""Export knobs: ``JINBIAO_EXPORT_*`` environment variables (listed in README.md).

Read per build rather than once per process (unlike ``backend.settings``): each build sees the
environment of the worker that runs it, which is how a test slows down one worker to kill it
mid-build, and how an operator tunes one worker pool without touching the others.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ExportSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JINBIAO_EXPORT_", extra="ignore")

    # Items read per database round trip; memory is bounded by this, not by the project size.
    chunk_size: int = Field(default=2000, ge=1, le=50_000)
    # Deflate level of the zip (1 fastest … 9 smallest). Frozen into each version when it is
    # created, so a rebuild writes the same bytes whatever the setting is by then.
    zip_level: int = Field(default=1, ge=1, le=9)
    # A build whose heartbeat is older than this is taken to be dead and is claimed again.
    stale_seconds: float = Field(default=120.0, gt=0)
    # Claims of one version before it is marked failed (worker deaths and retried errors).
    max_attempts: int = Field(default=4, ge=1, le=20)
    # Test-only: sleep this long after each chunk, so a test can kill a worker mid-build.
    test_delay_seconds: float = Field(default=0.0, ge=0, le=10)


def export_settings() -> ExportSettings:
    """The export knobs as the environment sets them now."""
    return ExportSettings()
