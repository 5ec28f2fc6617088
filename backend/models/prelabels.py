"""Pre-labels and priorities of a project's open items from its current model.

A pre-label is a suggestion, never an answer: it lives in ``items.prelabel`` as
``{result, score, model_version}`` and nothing that computes consensus, agreement or gold
accuracy reads that column (``backend/consensus`` reads annotations and gold answers only).
Open items are those that still want answers — gold items included, so that an annotator who
accepts wrong pre-labels blindly is caught by gold like anyone else. A pre-label imported with
an item (no ``model_version``) is the manager's and is never replaced by a model's.

Predictions are computed outside any write transaction and each chunk is written in a short
one: on SQLite an open write transaction holds the database's only write lock, and annotators'
submits must not wait for a model.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, or_
from sqlmodel import Session, select

from backend.items.models import Item
from backend.items.prelabels import is_model_made
from backend.kinds import ResultInvalid, get_kind
from backend.kinds.results import ItemShape
from backend.models.ordering import priorities, ranks_by_model
from backend.models.training_data import read_input
from backend.projects.models import Project

log = logging.getLogger(__name__)
CHUNK = 200
OUTSIDE_VERSION = "endpoint"  # ``model_version`` of an outside model's pre-label
_ITEMS = Item.__table__
_SET_PRELABEL = (
    _ITEMS.update().where(_ITEMS.c.id == bindparam("b_id")).values(prelabel=bindparam("b_prelabel"))
)
_SET_PRIORITY = (
    _ITEMS.update().where(_ITEMS.c.id == bindparam("b_id")).values(priority=bindparam("b_priority"))
)


@dataclass(frozen=True)
class OpenItem:
    id: int
    prelabel: Any
    random_key: int
    text: str | None
    media_key: str | None
    width: int | None
    height: int | None

    @property
    def takes_model_prelabel(self) -> bool:
        """No pre-label, or one a model made (an imported one is the manager's)."""
        return self.prelabel is None or is_model_made(self.prelabel)

    @property
    def takes_builtin_prelabel(self) -> bool:
        """As above, and not the outside model's (a project that names one prefers it)."""
        return self.takes_model_prelabel and (
            self.prelabel is None or self.prelabel.get("model_version") != OUTSIDE_VERSION
        )

    @property
    def shape(self) -> ItemShape:
        return ItemShape(width=self.width, height=self.height, text=self.text)


def open_items(*, session: Session, project: Project) -> list[OpenItem]:
    """The project's items that still want answers (gold items always), by id."""
    rows = session.exec(
        select(
            Item.id,
            Item.prelabel,
            Item.random_key,
            Item.text,
            Item.media_key,
            Item.width,
            Item.height,
        )
        .where(
            Item.project_id == project.id,
            Item.org_id == project.org_id,
            or_(Item.is_gold, Item.wanted == 0, Item.annotation_count < Item.wanted),
        )
        .order_by(Item.id)
    ).all()
    return [OpenItem(*row) for row in rows]


def chunks(items: Sequence[OpenItem], size: int = CHUNK) -> Iterator[Sequence[OpenItem]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def checked_result(
    *, project: Project, item: OpenItem, result: Any
) -> tuple[dict[str, Any] | None, str]:
    """The result normalised by the project's kind, or None and why it was refused."""
    try:
        names = [label["name"] for label in project.labels]
        return get_kind(project.kind).validate(result, labels=names, item=item.shape), ""
    except ResultInvalid as exc:
        return None, str(exc)


def write(
    *,
    session: Session,
    prelabels: Sequence[tuple[int, dict[str, Any]]] = (),
    priorities_by_item: Sequence[tuple[int, float]] = (),
) -> None:
    """Store pre-labels and priorities of items in one short transaction."""
    if prelabels:
        session.execute(_SET_PRELABEL, [{"b_id": i, "b_prelabel": p} for i, p in prelabels])
    if priorities_by_item:
        session.execute(
            _SET_PRIORITY, [{"b_id": i, "b_priority": float(q)} for i, q in priorities_by_item]
        )
    session.commit()


def refresh_from_model(*, session: Session, project: Project, model: Any, version: int) -> int:
    """Pre-label (``project.prelabels``) and rank (``project.ordering``) the open items with a
    built-in model; returns how many items it wrote to."""
    want_prelabels, want_ranks = project.prelabels, ranks_by_model(project.ordering)
    if not (want_prelabels or want_ranks):
        return 0
    written = 0
    for chunk in chunks(open_items(session=session, project=project)):
        session.commit()  # no transaction open while the model runs
        usable, inputs = readable(project_id=project.id, chunk=chunk)
        if not usable:
            continue
        new_prelabels: list[tuple[int, dict[str, Any]]] = []
        if want_prelabels:
            for item, predicted in zip(usable, model.prelabels(inputs), strict=True):
                if not item.takes_builtin_prelabel:
                    continue
                result, _ = checked_result(project=project, item=item, result=predicted["result"])
                if result is not None:
                    stored = {"result": result, "score": float(predicted["score"])}
                    new_prelabels.append((item.id, {**stored, "model_version": version}))
        ranked: list[tuple[int, float]] = []
        if want_ranks:
            values = priorities(
                ordering=project.ordering,
                uncertainty=model.uncertainty(inputs),
                random_keys=[item.random_key for item in usable],
            )
            ranked = list(zip([item.id for item in usable], values.tolist(), strict=True))
        write(session=session, prelabels=new_prelabels, priorities_by_item=ranked)
        written += len({i for i, _ in new_prelabels} | {i for i, _ in ranked})
    return written


def readable(*, project_id: int, chunk: Sequence[OpenItem]) -> tuple[list[OpenItem], list[Any]]:
    """The chunk's items whose input could be read, and those inputs (a lost image file is
    skipped and logged, never the end of the run)."""
    usable, inputs = [], []
    for item in chunk:
        try:
            inputs.append(read_input(item.text, item.media_key))
        except OSError:
            log.warning("item %s of project %s has no readable input", item.id, project_id)
            continue
        usable.append(item)
    return usable, inputs
