"""Export knobs: ``JINBIAO_EXPORT_*`` environment variables.

They are meant to live in ``backend/settings.py`` as ``export_<name>`` fields of ``Settings`` (the
same environment variables, since its prefix is ``JINBIAO_``). Until that file has them they are
read here, per build (not cached), so a worker started with a different environment uses its own;
once ``Settings`` has all of them, ``export_settings()`` takes them from there and this class only
checks them.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from backend.settings import get_settings


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
    settings = get_settings()
    moved = {
        name: getattr(settings, f"export_{name}")
        for name in ExportSettings.model_fields
        if hasattr(settings, f"export_{name}")
    }
    if len(moved) == len(ExportSettings.model_fields):
        return ExportSettings(**moved)
    return ExportSettings()
