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
        self._assigned: dict[str, list[int]] = {}  # per stratum: items in train, val, test
        self._active = [name for name in SPLITS if self.fractions[name] > 0]
        self._shares = tuple(self.fractions[name] for name in SPLITS)
        self._prefix = hashlib.sha256(f"{seed}:".encode())

    @property
    def active(self) -> list[str]:
        return list(self._active)

    def assign(self, *, stratum: str, key: str) -> str:
        """Once per item, so written out: the same arithmetic, in the same order, as
        ``max(0.0, fraction × (seen + 1) − assigned)`` per split and their sum."""
        counts = self._assigned.get(stratum)
        if counts is None:
            counts = self._assigned[stratum] = [0, 0, 0]
        after = counts[0] + counts[1] + counts[2] + 1
        share_train, share_val, share_test = self._shares
        deficits = (
            _positive(share_train * after - counts[0]),
            _positive(share_val * after - counts[1]),
            _positive(share_test * after - counts[2]),
        )
        draw = self._uniform(key) * (deficits[0] + deficits[1] + deficits[2])
        chosen = len(SPLITS)
        for i, deficit in enumerate(deficits):
            if deficit <= 0:
                continue
            if draw < deficit:
                chosen = i
                break
            draw -= deficit
        if chosen == len(SPLITS):
            name = self._active[-1]
            chosen = SPLITS.index(name)
        counts[chosen] += 1
        return SPLITS[chosen]

    def _uniform(self, key: str) -> float:
        digest = self._prefix.copy()
        digest.update(key.encode())
        return int.from_bytes(digest.digest()[:8], "big") / 2**64


def _positive(value: float) -> float:
    return value if value > 0.0 else 0.0


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


def most_frequent(labels: list[str]) -> str:
    """``stratum_of`` from the labels ``labels_of`` gives: the most frequent, ties alphabetical,
    ``""`` for none."""
    if len(labels) == 1:
        return labels[0]
    if not labels:
        return ""
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    best, most = "", 0
    for label, n in counts.items():  # min by (-count, label), written out
        if n > most or (n == most and label < best):
            best, most = label, n
    return best


def labels_of(result: dict[str, Any] | None) -> list[str]:
    """Every label occurrence in a result, for the per-label counts."""
    if not result:
        return []
    if "label" in result:
        return [str(result["label"])]
    return [e["label"] for e in result.get("boxes") or result.get("spans") or []]
