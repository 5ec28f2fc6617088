"""Gold answers: the known result of an item, used to score annotators.

Same semantics as imports: row by row, every failing row reported with its field; when no row
succeeds the request fails with 422. Each answer is validated exactly like an annotation result
of the project's kind, against its labels and the item (boxes inside the image, spans inside the
text), and stored normalised. Setting an answer again replaces it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlmodel import Session, select

from backend.audit.service import record
from backend.items.batch import field_error
from backend.items.models import GoldAnswer, Item
from backend.items.row_errors import all_rows_failed
from backend.items.schemas import GoldIn, GoldResult, RowError
from backend.kinds import ItemShape, ResultInvalid, get_kind
from backend.projects.models import Project

CHUNK = 5_000


def _chunks(values: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _load_items(
    *, session: Session, project_id: int, rows: list[GoldIn]
) -> tuple[dict[int, Item], dict[str, list[Item]]]:
    ids = sorted({r.item_id for r in rows if r.item_id is not None})
    external = sorted({r.external_id for r in rows if r.external_id is not None})
    by_id: dict[int, Item] = {}
    by_external: dict[str, list[Item]] = defaultdict(list)
    for chunk in _chunks(ids):
        query = select(Item).where(Item.project_id == project_id, Item.id.in_(chunk))
        by_id.update((item.id, item) for item in session.exec(query))
    for chunk in _chunks(external):
        query = select(Item).where(Item.project_id == project_id, Item.external_id.in_(chunk))
        for item in session.exec(query):
            by_external[item.external_id].append(item)
    return by_id, by_external


def set_gold(
    *, session: Session, project: Project, rows: list[GoldIn], actor_id: int | None
) -> GoldResult:
    """Mark items gold and upsert their answers; one commit for every good row."""
    kind = get_kind(project.kind)
    labels = [label["name"] for label in project.labels]
    by_id, by_external = _load_items(session=session, project_id=project.id, rows=rows)
    errors: list[RowError] = []
    chosen: dict[int, tuple[Item, dict]] = {}
    for index, row in enumerate(rows):
        if row.item_id is not None:
            item = by_id.get(row.item_id)
            if item is None:
                errors.append(_error(index, f"no item {row.item_id} in this project", "item_id"))
                continue
        else:
            matches = by_external.get(row.external_id or "", [])
            if len(matches) != 1:
                message = (
                    f"no item with external_id {row.external_id!r} in this project"
                    if not matches
                    else f"external_id {row.external_id!r} names {len(matches)} items; use item_id"
                )
                errors.append(_error(index, message, "external_id"))
                continue
            item = matches[0]
        if item.id in chosen:
            errors.append(_error(index, f"item {item.id} is given twice", "item_id"))
            continue
        shape = ItemShape(width=item.width, height=item.height, text=item.text)
        try:
            answer = kind.validate(row.answer, labels=labels, item=shape)
        except ResultInvalid as exc:
            message, loc = field_error("answer", exc)
            errors.append(RowError(row=index, message=message, loc=loc))
            continue
        chosen[item.id] = (item, answer)
    if not chosen and errors:
        session.rollback()
        raise all_rows_failed(errors, [False] * len(errors))
    created, updated = _upsert(session=session, project=project, chosen=chosen, actor_id=actor_id)
    record(
        session,
        org_id=project.org_id,
        actor_id=actor_id,
        action="gold.set",
        target_type="project",
        target_id=project.id,
        data={"created": created, "updated": updated},
    )
    session.commit()
    return GoldResult(created=created, updated=updated, errors=errors)


def _upsert(
    *,
    session: Session,
    project: Project,
    chosen: dict[int, tuple[Item, dict]],
    actor_id: int | None,
) -> tuple[int, int]:
    existing: dict[int, GoldAnswer] = {}
    for chunk in _chunks(sorted(chosen)):
        query = select(GoldAnswer).where(GoldAnswer.item_id.in_(chunk))
        existing.update((gold.item_id, gold) for gold in session.exec(query))
    created = updated = 0
    for item_id, (item, answer) in chosen.items():
        gold = existing.get(item_id)
        if gold is None:
            session.add(
                GoldAnswer(
                    item_id=item_id, project_id=project.id, answer=answer, created_by=actor_id
                )
            )
            created += 1
        else:
            gold.answer = answer
            session.add(gold)
            updated += 1
        if not item.is_gold:
            item.is_gold = True
            session.add(item)
    return created, updated


def _error(index: int, message: str, field: str) -> RowError:
    return RowError(row=index, message=message, loc=[field])
