"""Configuration, read only from ``JINBIAO_*`` environment variables.

Defaults are the embedded mode: a SQLite file, a Celery broker on the local filesystem and media
under ``./var``, so that ``jinbiao demo`` runs with no server installed. Production swaps the
database and broker URLs; nothing else in the code changes.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "jinbiao-local-development-secret-change-me"  # noqa: S105 - refused outside local mode


class Settings(BaseSettings):
    """Every knob of a Jinbiao deployment; see the configuration table in README.md."""

    model_config = SettingsConfigDict(env_prefix="JINBIAO_", extra="ignore")

    env: Literal["local", "production"] = "local"
    data_dir: Path = Path("var")
    database_url: str = ""
    broker_url: str = ""
    result_backend: str = ""
    media_root: Path | None = None
    # s3://bucket/prefix: originals and thumbnails in an S3-compatible store (credentials from
    # the standard AWS_* variables); empty: the local folder media_root (backend/items/media_store)
    media_url: str = Field(default="", pattern=r"^(s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?)?$")
    s3_endpoint_url: str = ""
    # Redis only: an unacknowledged job comes back after this many seconds (worker lost). Keep it
    # above the longest job; the database-side recovery sweep covers brokers without redelivery.
    broker_visibility_timeout: int = Field(default=3600, ge=5)
    # The Celery queue this deployment's API sends to and its workers read (several deployments,
    # or test runs, can then share one Redis).
    queue_name: str = Field(default="jinbiao", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    secret_key: str = DEFAULT_SECRET
    access_token_minutes: int = Field(default=12 * 60, ge=1, le=60 * 24 * 30)
    allow_signup: bool = True
    # Where people open the browser UI (e.g. https://label.example.com), for the links of
    # invitations; unset: the address the request that made the invitation came to.
    public_url: str = ""
    # Argon2id cost (RFC 9106 "second recommended option" by default). Lower only in tests.
    password_hash_time_cost: int = Field(default=3, ge=1, le=20)
    password_hash_memory_kib: int = Field(default=65_536, ge=1024, le=4_194_304)
    # "json": one JSON object per log line with request id and user id (backend/operations/logs.py)
    log_format: Literal["text", "json"] = "text"
    # GET /metrics (Prometheus text) is served only when this is on; with a token set, a scrape
    # must send ``Authorization: Bearer <token>``.
    metrics_enabled: bool = False
    metrics_token: str = ""
    # Sign-in throttling (backend/accounts/throttle.py): this many failed passwords within the
    # window block the account from that address, the account from anywhere, or the client
    # address, for one window (429 too_many_attempts).
    sign_in_failures_per_account: int = Field(default=5, ge=1, le=10_000)
    sign_in_failures_per_account_anywhere: int = Field(default=50, ge=1, le=100_000)
    sign_in_failures_per_address: int = Field(default=50, ge=1, le=100_000)
    sign_in_window_seconds: int = Field(default=900, ge=1, le=86_400)
    cors_origins: list[str] = Field(default_factory=list)
    # Networks besides public addresses where projects' outside models may be called, e.g.
    # ["10.0.0.0/8"] for an in-house model server (``backend.security.destinations``).
    model_endpoint_networks: list[str] = Field(default_factory=list)
    # PostgreSQL only: connections per API process for next and submit (backend.pg_pool). A call
    # holds one for a single statement; more connections than the database has CPUs to run them
    # only add lock and buffer contention (4 against 10: 12% less PostgreSQL CPU per cycle in the
    # distribution benchmark on 2 CPUs).
    pg_pool_size: int = Field(default=4, ge=1, le=200)
    # PostgreSQL only: SQLAlchemy's pool per process (every route but next and submit, and each
    # worker process). Kept small so that API processes x (pool + overflow + pg_pool_size) plus
    # the workers stay well under the server's max_connections (README, "Running at scale").
    db_pool_size: int = Field(default=5, ge=1, le=200)
    db_pool_max_overflow: int = Field(default=5, ge=0, le=200)
    # PostgreSQL only: how long a request waits for a free pool connection (either pool) before
    # it answers 503 unavailable with Retry-After; and how long opening a connection may take.
    # Short, so that while the database is down clients hear so at once instead of waiting.
    db_pool_timeout_seconds: float = Field(default=3.0, gt=0, le=120)
    db_connect_timeout_seconds: int = Field(default=5, ge=1, le=120)

    # Quality workers: submits within this window share one recompute of the project.
    quality_coalesce_seconds: float = Field(default=2.0, ge=0, le=600)
    # A recompute requested or started this long ago without finishing is sent again by the sweep.
    quality_stale_seconds: float = Field(default=120.0, ge=0)
    # How often beat runs that sweep (the fault test shortens it to see the catch-up).
    quality_sweep_seconds: float = Field(default=60.0, ge=1, le=3600)
    # Failure-injection only (tests kill a worker mid-recompute): sleep inside the recompute.
    quality_fault_delay_seconds: float = Field(default=0.0, ge=0, le=600)

    # Every other request body (JSON): most are a few kilobytes; the largest legitimate ones are
    # gold sets of 10,000 polygon answers (tens of megabytes).
    max_json_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    # Import limits (issue 3): bounded uploads, decompression-bomb guard.
    max_request_bytes: int = 512 * 1024 * 1024
    max_file_bytes: int = 50 * 1024 * 1024
    max_items_per_request: int = 10_000
    max_zip_members: int = 20_000
    max_image_pixels: int = 64_000_000
    max_text_chars: int = 20_000
    import_root: Path | None = None

    @field_validator("model_endpoint_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for text in value:
            ipaddress.ip_network(text, strict=False)  # ValueError names the bad one
        return value

    @model_validator(mode="after")
    def _fill_derived_defaults(self) -> Settings:
        data_dir = self.data_dir.resolve()
        self.data_dir = data_dir
        if not self.database_url:
            self.database_url = f"sqlite:///{data_dir / 'jinbiao.db'}"
        if not self.broker_url:
            self.broker_url = "filesystem://"
        if not self.result_backend:
            if self.broker_url.startswith("redis"):
                self.result_backend = self.broker_url
            else:
                self.result_backend = f"db+sqlite:///{data_dir / 'celery-results.db'}"
        if self.media_root is None:
            self.media_root = data_dir / "media"
        if self.env != "local" and self.secret_key == DEFAULT_SECRET:
            raise ValueError(
                "JINBIAO_SECRET_KEY is left at its default; set a long random secret "
                "outside local mode (python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if self.env != "local" and len(self.secret_key) < 32:
            raise ValueError("JINBIAO_SECRET_KEY must be at least 32 characters outside local mode")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def broker_folder(self) -> Path:
        """Folder of the filesystem broker used by the embedded default."""
        return self.data_dir / "broker"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests clear the cache after changing the environment."""
    return Settings()
