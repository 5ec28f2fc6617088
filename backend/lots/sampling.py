"""Which items of a lot the inspector sees: a simple random sample, reproducible from the lot.

ISO 2859-1 clause 7.4 asks for items drawn "by simple random sampling" (the standard refers to
ISO 24153 for the procedures). The generator is seeded by the lot id and the inspection round,
so anyone can redraw the same sample from the same lot (the items ordered by id), and a second
round after rework draws afresh, as a resubmitted lot is a new inspection (clause 8.2).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence


def seed_of(*, lot_id: int, round_number: int) -> int:
    """A stable 64-bit seed (Python's ``hash`` of a string changes between processes)."""
    digest = hashlib.sha256(f"jinbiao-lot:{lot_id}:round:{round_number}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def draw_sample(
    item_ids: Sequence[int], *, sample_size: int, lot_id: int, round_number: int
) -> list[int]:
    """``sample_size`` ids of ``item_ids`` in draw order; every id when the sample would reach
    the lot (100 % inspection)."""
    ordered = sorted(item_ids)
    if sample_size >= len(ordered):
        return ordered
    rng = random.Random(seed_of(lot_id=lot_id, round_number=round_number))
    return rng.sample(ordered, sample_size)
