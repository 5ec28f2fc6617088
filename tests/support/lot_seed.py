"""Finished items for lot tests: items with the annotations they want and a consensus, written
with the ORM in one transaction (the state ``done`` of ``backend/items/states.py``)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from backend.assignments.models import Annotation, Assignment
from backend.consensus.models import Consensus
from backend.db import get_engine
from backend.items.models import Item

LABELS = ("electrical_fault", "mechanical_wear", "other")


def finished_items(
    project: dict[str, Any], n: int, annotator_ids: Sequence[int], *, finished: bool = True
) -> list[int]:
    """``n`` text items, each answered once by every one of ``annotator_ids``; with a consensus
    (finished) unless ``finished`` is False (then they still want one more answer)."""
    now = datetime.now(UTC)
    wanted = len(annotator_ids) + (0 if finished else 1)
    with Session(get_engine()) as session:
        items = [
            Item(
                project_id=project["id"],
                org_id=project["org_id"],
                text=f"maintenance log {i}: spindle drive noise",
                content_hash=hashlib.sha256(uuid.uuid4().bytes).hexdigest(),
                annotation_count=len(annotator_ids),
                wanted=wanted,
            )
            for i in range(n)
        ]
        session.add_all(items)
        session.flush()
        for index, item in enumerate(items):
            label = LABELS[index % len(LABELS)]
            for annotator_id in annotator_ids:
                assignment = Assignment(
                    project_id=project["id"],
                    item_id=item.id,
                    annotator_id=annotator_id,
                    status="submitted",
                    expires_at=now,
                    finished_at=now,
                )
                session.add(assignment)
                session.flush()
                session.add(
                    Annotation(
                        assignment_id=assignment.id,
                        project_id=project["id"],
                        item_id=item.id,
                        annotator_id=annotator_id,
                        result={"label": label},
                    )
                )
            if finished:
                session.add(
                    Consensus(
                        item_id=item.id,
                        project_id=project["id"],
                        result={"label": label},
                        confidence=0.9,
                        n_annotations=len(annotator_ids),
                        method="test",
                    )
                )
        session.commit()
        return [item.id for item in items]
