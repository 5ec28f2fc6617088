"""JSON log lines with the request id and the caller, never a secret (issue 23).

``JINBIAO_LOG_FORMAT=json`` makes ``jinbiao serve`` and ``jinbiao worker`` write one JSON object
per line (time, level, logger, message, ``request_id``, ``user_id``, exception), the shape log
shippers (Loki, Elasticsearch, Cloud Logging) index without parsing rules. The request id is the
one answered in ``X-Request-ID``, so a user's bug report leads to its log lines.

Secrets never reach a line: the access log prints request paths, and an invitation link carries
its single-use token in the path (``/api/v1/invites/<token>``) and a sign-in may carry one in a
query (``?token=``, ``access_token=``); ``redact`` masks them in every record, whichever logger
wrote it. Request and answer bodies (passwords) are never logged at all.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from backend.operations.request_context import current_request_id, current_user_id

_SECRETS = (
    (re.compile(r"(/invites/)[^/\s?\"']+"), r"\1[redacted]"),
    (
        re.compile(r"((?:access_token|token|password|secret)=)[^&\s\"']+", re.IGNORECASE),
        r"\1[redacted]",
    ),
    (re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1[redacted]"),
)


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Masks tokens in the formatted message of every record (also for the text format)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        if request_id := current_request_id.get():
            entry["request_id"] = request_id
        if (user_id := current_user_id.get()) is not None:
            entry["user_id"] = user_id
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def logging_config(*, json_lines: bool, level: str | int = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for uvicorn's and Jinbiao's loggers."""
    level = logging.getLevelName(level) if isinstance(level, int) else level.upper()
    formatter: dict[str, Any] = (
        {"()": JsonFormatter}
        if json_lines
        else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    )
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "main",
        "filters": ["redact"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": RedactSecrets}},
        "formatters": {"main": formatter},
        "handlers": {"main": handler},
        "loggers": {
            name: {"handlers": ["main"], "level": level, "propagate": False}
            for name in (
                "uvicorn",
                "uvicorn.error",
                "uvicorn.access",
                "backend",
                "workers",
                "celery",
            )
        },
        "root": {"handlers": ["main"], "level": "WARNING"},
    }
