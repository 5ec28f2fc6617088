"""Bulk actions over items a manager selected in the data manager: all or nothing.

Every id must be an item of the project (another project's or organization's id, or a missing
one, makes the whole request 404 and changes nothing), the action is recorded in the audit log
in the same transaction, and the answer says exactly what happened:

* ``requeue``: one more wanted annotation for each finished item, through the items domain's
  counters (``backend.items.progress.raise_wanted``); gold items and items still waiting for
  answers are left as they are and listed as ``unchanged``;
* ``delete``: the items go, and with them (foreign keys ``ON DELETE CASCADE``) their
  annotations, leases, consensus and gold answers; their media files are removed after the
  commit, and the quality job is asked to recompute (``events.ItemsDeleted``);
* ``mark_gold``: each item's consensus becomes its gold answer, validated like any gold answer
  (``backend.items.gold.set_gold``); an item without consensus refuses the whole request
  (409 ``no_consensus`` naming the items).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from fastapi import status
from sqlalchemy import delete, func, select
from sqlmodel import Session

from backend import events
from backend.assignments.models import Annotation
from backend.audit.service import record
from backend.consensus.models import Consensus
from backend.datamanager.schemas import BulkResult
from backend.errors import ApiError, conflict, invalid
from backend.items import storage
from backend.items.gold import set_gold
from backend.items.models import Item
from backend.items.progress import raise_wanted
from backend.items.schemas import GoldIn
from backend.kinds import ItemShape, ResultInvalid, get_kind
from backend.projects.models import Project

CHUNK = 500  # ids per statement: SQLite's limit on bound parameters is low
REQUEUE_CEILING = 50
"""A re-queue never asks for more than this many annotations of one item."""


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def run(
    *, session: Session, project: Project, item_ids: list[int], action: str, actor_id: int
) -> BulkResult:
    ids = sorted(set(item_ids))
    items = _load(session=session, project_id=project.id, ids=ids)

    def audit(result: BulkResult) -> None:
        record(
            session,
            org_id=project.org_id,
            actor_id=actor_id,
            action=f"items.bulk.{action}",
            target_type="project",
            target_id=project.id,
            data={
                "item_ids": ids,
                "changed": result.changed,
                "annotations_deleted": result.annotations_deleted,
            },
        )

    if action == "mark_gold":  # set_gold commits: the audit event goes in before it
        return _mark_gold(
            session=session, project=project, items=items, actor_id=actor_id, audit=audit
        )
    if action == "requeue":
        result = _requeue(session=session, items=items)
    else:
        result = _delete(session=session, project=project, items=items)
    audit(result)
    keys = [key for item in items for key in (item.media_key, item.thumbnail_key) if key]
    session.commit()
    if action == "delete":
        for key in keys:  # after the commit: a rolled-back delete keeps its files
            storage.remove(key)
    return result


def _load(*, session: Session, project_id: int, ids: list[int]) -> list[Item]:
    """The project's items among ``ids``; 404 for the whole request when any is not one."""
    found: list[Item] = []
    for chunk in _chunks(ids):
        found += session.execute(
            select(Item).where(Item.project_id == project_id, Item.id.in_(chunk))
        ).scalars()
    missing = sorted(set(ids) - {item.id for item in found})
    if missing:
        session.rollback()
        raise ApiError(
            status.HTTP_404_NOT_FOUND,
            f"{len(missing)} of the {len(ids)} items are not items of this project; "
            "nothing was changed",
            code="not_found",
            extra={"missing": missing[:100]},
        )
    return found


def _requeue(*, session: Session, items: list[Item]) -> BulkResult:
    finished = [
        item.id
        for item in items
        if not item.is_gold
        and item.annotation_count >= item.wanted
        and item.wanted < REQUEUE_CEILING
    ]
    raised = raise_wanted(session=session, item_ids=finished, up_to=REQUEUE_CEILING)
    unchanged = sorted({item.id for item in items} - set(finished))
    return BulkResult(
        action="requeue",
        requested=len(items),
        changed=raised,
        unchanged=unchanged,
        message=f"{raised} items want one more annotation; {len(unchanged)} unchanged "
        "(gold, still waiting for annotations, or at the ceiling of "
        f"{REQUEUE_CEILING} annotations)",
    )


def _delete(*, session: Session, project: Project, items: list[Item]) -> BulkResult:
    ids = [item.id for item in items]
    annotations = 0
    for chunk in _chunks(ids):
        annotations += session.execute(
            select(func.count()).select_from(Annotation).where(Annotation.item_id.in_(chunk))
        ).scalar_one()
    events.emit(
        events.ItemsDeleted(
            session=session, project_id=project.id, item_ids=ids, annotations=annotations
        )
    )
    for chunk in _chunks(ids):
        session.execute(
            delete(Item)
            .where(Item.project_id == project.id, Item.id.in_(chunk))
            .execution_options(synchronize_session=False)
        )
    return BulkResult(
        action="delete",
        requested=len(items),
        changed=len(ids),
        annotations_deleted=annotations,
        message=f"{len(ids)} items deleted with their {annotations} annotations, leases, "
        "consensus and gold answers; annotators' figures are recomputed",
    )


def _mark_gold(
    *,
    session: Session,
    project: Project,
    items: list[Item],
    actor_id: int,
    audit: Callable[[BulkResult], None],
) -> BulkResult:
    results: dict[int, dict] = {}
    for chunk in _chunks([item.id for item in items]):
        results.update(
            session.execute(
                select(Consensus.item_id, Consensus.result).where(Consensus.item_id.in_(chunk))
            ).all()
        )
    without = sorted(item.id for item in items if item.id not in results)
    if without:
        session.rollback()
        raise conflict(
            f"{len(without)} of the items have no consensus yet; nothing was marked gold "
            "(give their answers on the item page instead)",
            code="no_consensus",
            item_ids=without[:100],
        )
    kind = get_kind(project.kind)
    labels = [label["name"] for label in project.labels]
    for item in items:
        try:
            kind.validate(
                results[item.id],
                labels=labels,
                item=ItemShape(width=item.width, height=item.height, text=item.text),
            )
        except ResultInvalid as exc:
            session.rollback()
            raise invalid(
                ("item_ids",),
                f"the consensus of item {item.id} is not a valid answer today: {exc}",
            ) from None
    audit(BulkResult(action="mark_gold", requested=len(items), changed=len(items), message=""))
    rows = [GoldIn(item_id=item.id, answer=results[item.id]) for item in items]
    outcome = set_gold(session=session, project=project, rows=rows, actor_id=actor_id)
    return BulkResult(
        action="mark_gold",
        requested=len(items),
        changed=outcome.created + outcome.updated,
        message=f"{outcome.created} items became gold and {outcome.updated} gold answers "
        "were replaced by the consensus",
    )
