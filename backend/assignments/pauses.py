"""What a pause says to the person paused: a stable ``code`` and the figures behind it.

The stored reason (``AnnotatorState.paused_reason``) is English text, for the audit log and the
quality page; the annotate page must say it in the annotator's language, and say *which* record
paused them (a review-accuracy pause was shown as "your gold accuracy is below the minimum", with
the English reason under it). Rule 5's reason is written here (``rule_reason``) and read back
here (``shown``), so the two cannot drift apart; any other text is a manager's own reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from backend.errors import ApiError

LOW_GOLD = "paused_low_gold_accuracy"
LOW_REVIEW = "paused_low_review_accuracy"
BY_MANAGER = "paused_by_manager"
_CODES = {"gold": LOW_GOLD, "review": LOW_REVIEW}
_RULE = re.compile(
    r"(?P<kind>gold|review) accuracy (?P<accuracy>\d+)% after (?P<answered>\d+) (?:gold|review) "
    r"answers is below the project's minimum of (?P<minimum>\d+)%"
)


def rule_reason(*, kind: str, accuracy: float, answered: int, minimum: float) -> str:
    """Rule 5's reason, as stored: ``kind`` is ``gold`` or ``review``."""
    return (
        f"{kind} accuracy {accuracy:.0%} after {answered} {kind} answers is below the "
        f"project's minimum of {minimum:.0%}"
    )


@dataclass(frozen=True)
class PauseShown:
    """``code``; for rule 5 the smoothed accuracy, its answers and the project's minimum (as
    whole percents, as the reason states them); for a manager's pause their ``reason``."""

    code: str
    reason: str | None = None
    accuracy: float | None = None
    answered: int | None = None
    minimum: float | None = None

    def fields(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v is not None and k != "code"}


def shown(reason: str | None) -> PauseShown:
    """The pause as the paused person is told it."""
    match = _RULE.fullmatch(reason or "")
    if match is None:
        return PauseShown(BY_MANAGER, reason=reason or None)
    return PauseShown(
        _CODES[match["kind"]],
        reason=reason,
        accuracy=int(match["accuracy"]) / 100,
        answered=int(match["answered"]),
        minimum=int(match["minimum"]) / 100,
    )


def paused_error(reason: str | None, detail: str) -> ApiError:
    """403 for ``next`` while paused: the pause's code and figures beside the English detail."""
    pause = shown(reason)
    return ApiError(403, detail, code=pause.code, extra=pause.fields())
