"""The shape of an item's pre-label, wherever it came from.

``items.prelabel`` holds either a pre-label made by a model, ``{result, score, model_version}``
(issue 21, ``backend/models``), or a result imported with the item (a plain result of the
project's kind, since release 1). Everyone who shows or compares a pre-label reads it through
these two functions, so the two stored forms answer alike: the ``next`` answer always carries
``{result, score, model_version}`` (SPEC, "Models"), with ``score`` and ``model_version`` null
for an imported one.
"""

from __future__ import annotations

from typing import Any


def is_model_made(stored: Any) -> bool:
    """Whether the stored pre-label was written by a model (and may be replaced by a newer)."""
    return isinstance(stored, dict) and "model_version" in stored and "result" in stored


def public_prelabel(stored: Any) -> dict[str, Any] | None:
    """``{result, score, model_version}`` of a stored pre-label, or None without one."""
    if not isinstance(stored, dict) or not stored:
        return None
    if is_model_made(stored):
        return {
            "result": stored["result"],
            "score": stored.get("score"),
            "model_version": stored.get("model_version"),
        }
    return {"result": stored, "score": None, "model_version": None}


def prelabel_result(stored: Any) -> dict[str, Any] | None:
    """Only the result of a stored pre-label (None without one)."""
    shown = public_prelabel(stored)
    return None if shown is None else shown["result"]
