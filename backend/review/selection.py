"""Which finished items enter review (质检): ``review_mode`` and the per-annotator rule.

* ``none``: none (unless the per-annotator rule picks them);
* ``all``: every finished item;
* ``sample``: a share ``review_rate`` of them, drawn at random but reproducibly: each item's draw
  is a hash of (project, item) mapped to [0, 1), so re-running the selection, in any order or
  any process, picks the same items, and over n items the share reviewed is ``review_rate``
  within the binomial error sqrt(p(1-p)/n) (the draws of a good hash are independent uniforms);
* ``low_confidence``: the items whose consensus confidence is below ``review_confidence_below``
  — review effort spent where the inferred truth is least certain (uncertainty sampling, Lewis &
  Gale 1994, "A sequential algorithm for training text classifiers"; for crowd labels, Sheng,
  Provost & Ipeirotis 2008, "Get another label?", KDD);
* ``review_annotators_below``: whatever the mode, every item answered by an annotator whose
  estimated accuracy is below this threshold.

Each chosen item says which rule chose it (``Rule``). Only ``all`` and ``sample`` choose items
without looking at their answers, so only verdicts on those items are an unbiased sample of an
annotator's work: ``low_confidence`` and the per-annotator rule send exactly the doubtful items,
and an annotator's share of rejections there says how hard the items were, not how good the
annotator is (a selection bias: the review record feeds rule 5 only from unbiased picks).

Pure: the caller reads the confidences, the authors and the accuracies and passes them in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class ReviewMode(StrEnum):
    none = "none"
    sample = "sample"
    all = "all"
    low_confidence = "low_confidence"


class Rule(StrEnum):
    """Why an item entered review."""

    all = "all"
    sample = "sample"
    low_confidence = "low_confidence"
    annotator = "annotator"


UNBIASED = frozenset({Rule.all, Rule.sample})
"""Rules that choose items without looking at their answers."""


@dataclass(frozen=True)
class ReviewRules:
    """The project's review settings (``backend/projects/models.py``)."""

    mode: ReviewMode
    rate: float = 0.1
    confidence_below: float = 0.8
    annotators_below: float | None = None

    @classmethod
    def of(cls, project: object) -> ReviewRules:
        return cls(
            mode=ReviewMode(getattr(project, "review_mode", "none") or "none"),
            rate=float(getattr(project, "review_rate", 0.1)),
            confidence_below=float(getattr(project, "review_confidence_below", 0.8)),
            annotators_below=getattr(project, "review_annotators_below", None),
        )

    @property
    def selects_nothing(self) -> bool:
        return self.mode is ReviewMode.none and self.annotators_below is None


def sample_draw(project_id: int, item_id: int) -> float:
    """The item's reproducible uniform draw in [0, 1) (BLAKE2b of the two ids)."""
    digest = hashlib.blake2b(f"{project_id}:{item_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def chosen_for_review(
    *,
    rules: ReviewRules,
    project_id: int,
    item_ids: Iterable[int],
    confidence: Mapping[int, float],
    authors: Mapping[int, Sequence[int]],
    accuracy: Mapping[int, float],
) -> dict[int, Rule]:
    """The ``item_ids`` that enter review, in the order given, with the rule that chose each
    (the project's mode first, then the per-annotator rule).

    ``confidence``: each item's consensus confidence (an item without one is not low-confidence
    and is left out of that mode); ``authors``: who answered each item; ``accuracy``: each
    annotator's estimated accuracy (unknown annotators are not below any threshold).
    """
    weak = (
        {user for user, value in accuracy.items() if value < rules.annotators_below}
        if rules.annotators_below is not None
        else set()
    )
    picked: dict[int, Rule] = {}
    for item_id in item_ids:
        if _by_mode(rules, project_id, item_id, confidence):
            picked[item_id] = Rule(rules.mode.value)
        elif weak and any(user in weak for user in authors.get(item_id, ())):
            picked[item_id] = Rule.annotator
    return picked


def _by_mode(
    rules: ReviewRules, project_id: int, item_id: int, confidence: Mapping[int, float]
) -> bool:
    if rules.mode is ReviewMode.all:
        return True
    if rules.mode is ReviewMode.sample:
        return sample_draw(project_id, item_id) < rules.rate
    if rules.mode is ReviewMode.low_confidence:
        value = confidence.get(item_id)
        return value is not None and value < rules.confidence_below
    return False
