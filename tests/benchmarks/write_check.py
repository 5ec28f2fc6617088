"""Proof from the database that what the clients were told is what was stored.

The load and fault runs log every acknowledged submit client side (the assignment id, item and
annotator of each 200/201 answer). Afterwards this checks, in the project's own tables:

- every acknowledged submit is stored exactly once (one annotation for its assignment, by that
  annotator, on that item);
- no normal item has more annotations than it wants (``items.wanted``: its overlap, raised by
  the quality loop up to the project's maximum), and ``items.annotation_count`` agrees with
  the rows;
- no annotator answered an item twice.

``count_drift`` (the item's counter against its rows) is reported, not failed on: annotations
of a paused or removed annotator stop counting by design (``AnnotationsStoppedCounting``).

Stored annotations that no client saw acknowledged are legitimate (a response lost to a killed
process or a cut connection after the commit); they are counted, not flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from backend.db import make_engine


@dataclass(frozen=True)
class Ack:
    assignment_id: int
    item_id: int
    annotator_id: int


@dataclass
class WriteCheck:
    acknowledged: int = 0
    stored: int = 0
    acknowledged_stored_once: int = 0
    lost: list[Ack] = field(default_factory=list)
    mismatched: list[Ack] = field(default_factory=list)
    over_overlap: list[tuple[int, int, int]] = field(default_factory=list)  # item, rows, wanted
    count_drift: list[tuple[int, int, int]] = field(default_factory=list)  # item, rows, counter
    answered_twice: list[tuple[int, int, int]] = field(default_factory=list)  # item, user, rows

    @property
    def ok(self) -> bool:
        clean = not (self.lost or self.mismatched or self.over_overlap or self.answered_twice)
        return clean and self.acknowledged == self.acknowledged_stored_once

    def summary(self) -> str:
        return (
            f"acknowledged {self.acknowledged}, stored {self.stored}, acknowledged and stored "
            f"once {self.acknowledged_stored_once}, lost {len(self.lost)}, mismatched "
            f"{len(self.mismatched)}, items over overlap {len(self.over_overlap)}, counter drift "
            f"{len(self.count_drift)}, answered twice {len(self.answered_twice)}"
        )


def check_writes(*, database_url: str, project_id: int, acks: list[Ack]) -> WriteCheck:
    """Compare the acknowledged submits with the project's rows (see the module docstring)."""
    engine = make_engine(database_url)
    result = WriteCheck(acknowledged=len(acks))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT assignment_id, item_id, annotator_id FROM annotations "
                    "WHERE project_id = :p"
                ),
                {"p": project_id},
            ).all()
            result.stored = len(rows)
            by_assignment: dict[int, list[Any]] = {}
            for row in rows:
                by_assignment.setdefault(row.assignment_id, []).append(row)
            for ack in acks:
                found = by_assignment.get(ack.assignment_id, [])
                if not found:
                    result.lost.append(ack)
                elif len(found) != 1 or (found[0].item_id, found[0].annotator_id) != (
                    ack.item_id,
                    ack.annotator_id,
                ):
                    result.mismatched.append(ack)
                else:
                    result.acknowledged_stored_once += 1
            result.over_overlap = [
                tuple(r)
                for r in conn.execute(
                    text(
                        "SELECT i.id, count(a.id), i.wanted FROM items i "
                        "JOIN annotations a ON a.item_id = i.id "
                        "WHERE i.project_id = :p AND NOT i.is_gold "
                        "GROUP BY i.id, i.wanted HAVING count(a.id) > i.wanted"
                    ),
                    {"p": project_id},
                ).all()
            ]
            result.count_drift = [
                tuple(r)
                for r in conn.execute(
                    text(
                        "SELECT i.id, count(a.id), i.annotation_count FROM items i "
                        "LEFT JOIN annotations a ON a.item_id = i.id "
                        "WHERE i.project_id = :p AND NOT i.is_gold "
                        "GROUP BY i.id, i.annotation_count "
                        "HAVING count(a.id) <> i.annotation_count"
                    ),
                    {"p": project_id},
                ).all()
            ]
            result.answered_twice = [
                tuple(r)
                for r in conn.execute(
                    text(
                        "SELECT item_id, annotator_id, count(*) FROM annotations "
                        "WHERE project_id = :p GROUP BY item_id, annotator_id "
                        "HAVING count(*) > 1"
                    ),
                    {"p": project_id},
                ).all()
            ]
    finally:
        engine.dispose()
    return result
