"""The worker's log lines in the deployment's format (``JINBIAO_LOG_FORMAT``), secrets redacted.

Connecting Celery's ``setup_logging`` signal tells Celery not to configure logging itself
(https://docs.celeryq.dev/en/stable/userguide/signals.html#setup-logging); the handler applies
the same configuration the API processes use (``backend/operations/logs.py``).
"""

from __future__ import annotations

import logging.config
from typing import Any

from celery.signals import setup_logging

from backend.operations.logs import logging_config
from backend.settings import get_settings


def _configure(loglevel: str | None = None, **_: Any) -> None:
    settings = get_settings()
    logging.config.dictConfig(
        logging_config(json_lines=settings.log_format == "json", level=loglevel or "INFO")
    )


def connect() -> None:
    setup_logging.connect(_configure, weak=False, dispatch_uid="jinbiao-logging")
