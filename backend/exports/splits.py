"""Deterministic, stratified train/val/test assignment in one streaming pass.

Exact stratification usually sorts each label's items by a seeded hash, which needs every item in
memory. Here each stratum (label) keeps only its running counts: for the next item, every split
has a deficit ``fraction × (seen + 1) − assigned``; the deficits sum to one, and the item goes to
a split drawn in proportion to the positive deficits, with the draw taken from
``sha256(seed, item content hash)``. Each split's share of every label therefore never drifts by
two items or more from its fraction, memory is O(labels), and the same seed over the same items in
the same (id) order gives the same assignment on every rebuild.

The stratum of an item is the most frequent of its labels as its kind lists them (``labels_of``:
the label of a classification, the labels of its boxes or spans), ties broken alphabetically;
items with nothing to label form their own stratum.
"""

from __future__ import annotations

import hashlib

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


def most_frequent(labels: list[str]) -> str:
    """The stratum of an item from its labels (its kind's ``labels_of``): the most frequent,
    ties alphabetical, ``""`` for none."""
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
