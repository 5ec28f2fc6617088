"""Data manager endpoints (SPEC, "Data manager and labels"); each says who may call it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from backend.accounts.deps import SessionDep
from backend.datamanager import actions, item_view, queries
from backend.datamanager.deps import ItemReader, ProjectReader, reject_unknown_parameters
from backend.datamanager.schemas import (
    BatchPublic,
    BulkRequest,
    BulkResult,
    ItemDetail,
    ItemPage,
    ListQuery,
)
from backend.errors import invalid
from backend.items.models import ImportBatch
from backend.orgs.pseudonyms import shows_people
from backend.projects.deps import ProjectManager
from backend.routing import TransactionEndingRoute

router = APIRouter(tags=["data manager"], route_class=TransactionEndingRoute)


@router.get(
    "/projects/{project_id}/items",
    response_model=ItemPage,
    dependencies=[Depends(reject_unknown_parameters)],
)
def list_items(
    access: ProjectReader, session: SessionDep, query: Annotated[ListQuery, Query()]
) -> ItemPage:
    """Owners, managers, reviewers and the client: one keyset page of the project's items.

    Filters combine with AND; an unknown parameter is 422 ``unknown_filter``. Follow
    ``next_cursor`` (null on the last page) with ``cursor=``, ``prev_cursor`` with ``before=``.
    The client may not filter by ``annotator_id``: with the pseudonyms it sees on the items, a
    filter by raw id would tell which pseudonym is which person.
    """
    if query.annotator_id is not None and not shows_people(access.membership.role):
        raise invalid(
            ("annotator_id",),
            "the client role sees annotators by pseudonym only and cannot filter by their id",
            where="query",
            code="filter_not_allowed",
        )
    return queries.list_page(session=session, project=access.project, query=query)


@router.get("/projects/{project_id}/batches", response_model=list[BatchPublic])
def list_batches(access: ProjectReader, session: SessionDep) -> list[BatchPublic]:
    """Owners, managers, reviewers and the client: the project's imports, newest first."""
    rows = session.execute(
        select(ImportBatch)
        .where(ImportBatch.project_id == access.project.id)
        .order_by(ImportBatch.id.desc())
        .limit(1000)
    ).scalars()
    return [BatchPublic.model_validate(row, from_attributes=True) for row in rows]


@router.get("/items/{item_id}", response_model=ItemDetail)
def get_item(access: ItemReader, session: SessionDep) -> ItemDetail:
    """Owners, managers, reviewers and the client: the item with every annotation, its
    consensus and gold answer; annotators' names and e-mails for owners and managers only."""
    return item_view.item_detail(
        session=session, item=access.item, show_names=access.sees_names, role=access.role
    )


@router.post("/projects/{project_id}/items/bulk", response_model=BulkResult)
def bulk_action(body: BulkRequest, access: ProjectManager, session: SessionDep) -> BulkResult:
    """Owners and managers: ``requeue``, ``delete`` or ``mark_gold`` the given items, all or
    nothing (an id outside the project is 404 for the whole request); audited."""
    return actions.run(
        session=session,
        project=access.project,
        item_ids=body.item_ids,
        action=body.action,
        actor_id=access.user_id,
    )
