"""Deterministic, stratified train/val/test assignment in one streaming pass.

Exact stratification usually sorts each label's items by a seeded hash, which needs every item in
memory. Here each stratum (label) keeps only its running counts: for the next item, every split
has a deficit ``fraction × (seen + 1) − assigned``; the deficits sum to one, and the item goes to
a split drawn in proportion to the positive deficits, with the draw taken from
``sha256(seed, item content hash)``. Each split's share of every label therefore never drifts by
two items or more from its fraction, memory is O(labels), and the same seed over the same items in
the same (id) order gives the same assignment on every rebuild.

The stratum of an item is its label (classification) or its most frequent label (boxes, spans;
ties broken alphabetically); items with nothing to label form their own stratum.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

SPLITS = ("train", "val", "test")


class StratifiedSplitter:
    def __init__(self, *, fractions: dict[str, float], seed: int) -> None:
        self.fractions = {name: float(fractions.get(name, 0.0)) for name in SPLITS}
        self.seed = seed
        self._assigned: dict[str, dict[str, int]] = {}

    @property
    def active(self) -> list[str]:
        return [name for name in SPLITS if self.fractions[name] > 0]

    def assign(self, *, stratum: str, key: str) -> str:
        counts = self._assigned.setdefault(stratum, dict.fromkeys(SPLITS, 0))
        seen = sum(counts.values())
        deficits = {
            name: max(0.0, self.fractions[name] * (seen + 1) - counts[name]) for name in SPLITS
        }
        total = sum(deficits.values())
        draw = self._uniform(key) * total
        chosen = self.active[-1]
        for name in SPLITS:
            if deficits[name] <= 0:
                continue
            if draw < deficits[name]:
                chosen = name
                break
            draw -= deficits[name]
        counts[chosen] += 1
        return chosen

    def _uniform(self, key: str) -> float:
        digest = hashlib.sha256(f"{self.seed}:{key}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64


def stratum_of(result: dict[str, Any] | None) -> str:
    """The label an item is stratified by (see the module docstring)."""
    if not result:
        return ""
    if "label" in result:
        return str(result["label"])
    elements = result.get("boxes") or result.get("spans") or []
    if not elements:
        return ""
    counts = Counter(e["label"] for e in elements)
    return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def labels_of(result: dict[str, Any] | None) -> list[str]:
    """Every label occurrence in a result, for the per-label counts."""
    if not result:
        return []
    if "label" in result:
        return [str(result["label"])]
    return [e["label"] for e in result.get("boxes") or result.get("spans") or []]
