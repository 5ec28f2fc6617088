"""Proof from the database that every acknowledged review verdict is stored exactly once.

The load run logs each 200/201 answer of ``POST /reviews/{id}/submit`` client side (the review
id, which is the review lease's assignment id, the item, the reviewer and the decision).
Afterwards, in the project's tables:

- every acknowledged verdict is one ``reviews`` row with that reviewer, item and decision;
- no reviewer judged an item they had annotated themselves (``review/next`` never offers one);
- no item has two verdicts of the same review round and stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text

from backend.db import make_engine


@dataclass(frozen=True)
class ReviewAck:
    review_id: int
    item_id: int
    reviewer_id: int
    decision: str


@dataclass
class ReviewCheck:
    acknowledged: int = 0
    stored: int = 0
    acknowledged_stored_once: int = 0
    lost: list[ReviewAck] = field(default_factory=list)
    mismatched: list[ReviewAck] = field(default_factory=list)
    own_work: list[tuple[int, int]] = field(default_factory=list)  # review id, reviewer
    judged_twice: list[tuple[int, str, int, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        clean = not (self.lost or self.mismatched or self.own_work or self.judged_twice)
        return clean and self.acknowledged == self.acknowledged_stored_once

    def summary(self) -> str:
        return (
            f"verdicts acknowledged {self.acknowledged}, stored {self.stored}, acknowledged and "
            f"stored once {self.acknowledged_stored_once}, lost {len(self.lost)}, mismatched "
            f"{len(self.mismatched)}, own work reviewed {len(self.own_work)}, an item judged "
            f"twice in one round {len(self.judged_twice)}"
        )


def check_reviews(*, database_url: str, project_id: int, acks: list[ReviewAck]) -> ReviewCheck:
    """Compare the acknowledged verdicts with the project's rows (see the module docstring)."""
    engine = make_engine(database_url)
    result = ReviewCheck(acknowledged=len(acks))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, item_id, reviewer_id, decision FROM reviews WHERE project_id = :p"
                ),
                {"p": project_id},
            ).all()
            result.stored = len(rows)
            by_id = {row.id: row for row in rows}
            for ack in acks:
                row = by_id.get(ack.review_id)
                if row is None:
                    result.lost.append(ack)
                elif (row.item_id, row.reviewer_id, row.decision) != (
                    ack.item_id,
                    ack.reviewer_id,
                    ack.decision,
                ):
                    result.mismatched.append(ack)
                else:
                    result.acknowledged_stored_once += 1
            result.own_work = [
                tuple(r)
                for r in conn.execute(
                    text(
                        "SELECT r.id, r.reviewer_id FROM reviews r JOIN annotations a "
                        "ON a.item_id = r.item_id AND a.annotator_id = r.reviewer_id "
                        "WHERE r.project_id = :p"
                    ),
                    {"p": project_id},
                ).all()
            ]
            result.judged_twice = [
                tuple(r)
                for r in conn.execute(
                    text(
                        "SELECT item_id, stage, rework_round, count(*) FROM reviews "
                        "WHERE project_id = :p GROUP BY item_id, stage, rework_round "
                        "HAVING count(*) > 1"
                    ),
                    {"p": project_id},
                ).all()
            ]
    finally:
        engine.dispose()
    return result
