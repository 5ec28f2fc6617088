"""Running counts of a build: O(labels + annotators) memory, whatever the number of items."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from backend.exports.records import ExportRecord

BINS = 10


@dataclass
class BuildStats:
    labels_of: Callable[[dict[str, Any] | None], list[str]]  # the project kind's
    items: Counter[str] = field(default_factory=Counter)
    labels: dict[str, Counter[str]] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)
    origins: Counter[str] = field(default_factory=Counter)
    annotations: int = 0
    annotators: set[int] = field(default_factory=set)
    histogram: list[int] = field(default_factory=lambda: [0] * BINS)
    confidence_sum: float = 0.0
    confidence_min: float | None = None
    agreement_sum: float = 0.0
    agreement_n: int = 0

    def skip(self, reason: str) -> None:
        self.skipped[reason] += 1

    def add(
        self, record: ExportRecord, split: str, *, source: str, labels: list[str] | None = None
    ) -> None:
        """Count one exported item; ``labels`` are the truth's labels if the caller has them."""
        self.items[split] += 1
        per_label = self.labels.get(split)
        if per_label is None:
            per_label = self.labels[split] = Counter()
        if source == "raw":
            for annotation in record.annotations:
                per_label.update(self.labels_of(annotation.result))
        else:
            per_label.update(self.labels_of(record.result) if labels is None else labels)
        self.origins[record.origin] += 1
        self.annotations += len(record.annotator_ids)
        self.annotators.update(record.annotator_ids)
        confidence = record.confidence
        self.histogram[min(BINS - 1, max(0, int(confidence * BINS)))] += 1
        self.confidence_sum += confidence
        if self.confidence_min is None or confidence < self.confidence_min:
            self.confidence_min = confidence
        if record.agreement is not None:
            self.agreement_sum += record.agreement
            self.agreement_n += 1

    def counts(self, splits: list[str]) -> dict[str, Any]:
        return {
            "items": {split: self.items[split] for split in splits},
            "items_total": sum(self.items.values()),
            "labels": {split: dict(sorted(self.labels.get(split, {}).items())) for split in splits},
            "annotations": self.annotations,
            "annotators": len(self.annotators),
            "skipped": dict(sorted(self.skipped.items())),
        }

    def quality(self) -> dict[str, Any]:
        n = sum(self.items.values())
        edges = [round(i / BINS, 2) for i in range(BINS + 1)]
        return {
            "truth_origin": dict(sorted(self.origins.items())),
            "confidence": {
                "mean": round(self.confidence_sum / n, 6) if n else None,
                "min": self.confidence_min,
                "histogram": {"edges": edges, "counts": self.histogram},
            },
            "fallback_agreement_mean": (
                round(self.agreement_sum / self.agreement_n, 6) if self.agreement_n else None
            ),
        }
