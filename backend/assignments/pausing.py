"""Rule 5 of the spec in one place: when an annotator's gold record pauses them.

The arithmetic (Beta-smoothed accuracy, the threshold test) is ``quality.gold``'s; this module
only reads the project's settings and words the reason the annotator and the manager see.
"""

from __future__ import annotations

from backend.projects.models import Project
from quality import gold


def pause_reason(*, project: Project, answered: int, correct: float) -> str | None:
    """The reason to pause, or None while the annotator may go on."""
    if answered <= 0:
        return None
    smoothed = gold.smoothed_accuracy(min(correct, answered), answered)
    if not gold.should_pause(
        smoothed,
        answered,
        gold_min_count=project.gold_min_count,
        min_gold_accuracy=project.min_gold_accuracy,
    ):
        return None
    return (
        f"gold accuracy {smoothed:.0%} after {answered} gold answers is below the project's "
        f"minimum of {project.min_gold_accuracy:.0%}"
    )
