"""When a project has enough final answers to train a model, and how many more it needs.

A model trained on a handful of answers predicts the majority class with confidence and teaches
annotators to accept wrong pre-labels, so the platform waits (issue 21: a project with too few
final answers shows "needs 50 more final answers" rather than a bad model). The rule is
deliberately simple and the same for every kind: at least ``min_total`` final answers, and at
least ``min_per_class`` examples of each of ``min_classes`` labels (a classifier needs two
classes; a span or box model needs marks of at least one label to learn from).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

MIN_TOTAL = 50
MIN_PER_CLASS = 5
CLASS_KINDS = ("text_classification", "image_classification")
MARK_KEYS = {"text_spans": "spans", "image_boxes": "boxes"}


def result_labels(kind: str, result: Mapping[str, Any]) -> list[str]:
    """The labels one final ``result`` (SPEC shape) contributes: its class, or its marks' labels."""
    if kind in CLASS_KINDS:
        return [str(result["label"])]
    if kind in MARK_KEYS:
        return [str(mark["label"]) for mark in result.get(MARK_KEYS[kind], [])]
    raise ValueError(f"unknown project kind {kind!r}")


def _class_shortfall(counts: Iterable[int], min_classes: int, min_per_class: int) -> int:
    """Examples still missing so that the ``min_classes`` best-filled labels reach the minimum."""
    best = sorted(counts, reverse=True)[:min_classes]
    best += [0] * (min_classes - len(best))
    return sum(max(0, min_per_class - c) for c in best)


def answers_needed(
    kind: str,
    results: Sequence[Mapping[str, Any]],
    *,
    min_total: int = MIN_TOTAL,
    min_per_class: int = MIN_PER_CLASS,
    min_classes: int | None = None,
) -> int:
    """How many more final answers the project needs before training (0: train now).

    ``min_classes`` defaults to 2 for class kinds and 1 for span and box kinds. For marks the
    label shortfall is counted in marks; a final answer holding several marks may fill more than
    one, so the figure is what the UI should promise at most ("needs N more final answers").

    Example:
        >>> answers_needed("text_classification", [{"label": "leak"}] * 48 + [{"label": "x"}] * 2)
        3
    """
    if kind not in CLASS_KINDS and kind not in MARK_KEYS:
        raise ValueError(f"unknown project kind {kind!r}")
    if min_total < 0 or min_per_class < 0:
        raise ValueError("min_total and min_per_class must be >= 0")
    if min_classes is None:
        min_classes = 2 if kind in CLASS_KINDS else 1
    counts = Counter(label for result in results for label in result_labels(kind, result))
    return max(
        min_total - len(results), _class_shortfall(counts.values(), min_classes, min_per_class)
    )
