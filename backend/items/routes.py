"""Item endpoints: imports, media and thumbnails, gold answers.

The item table (``GET /projects/{id}/items``) is the data manager's: ``backend.datamanager``.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from backend import strict_input
from backend.accounts.deps import SessionDep
from backend.errors import invalid, not_found
from backend.items import gold, queries, service, thumbnails
from backend.items.batch import ProjectRef
from backend.items.deps import ItemMember
from backend.items.limits import SizeLimitedRoute
from backend.items.media_store import get_store
from backend.items.responses import stored_media_response
from backend.items.schemas import (
    GoldPublic,
    GoldRequest,
    GoldResult,
    ImportRequest,
    ImportResult,
)
from backend.pagination import Page, page_headers
from backend.projects.deps import ProjectManager, ProjectStaff
from backend.routing import TransactionEndingRoute
from backend.settings import get_settings

router = APIRouter(tags=["items"], route_class=TransactionEndingRoute)
uploads = APIRouter(tags=["items"], route_class=SizeLimitedRoute)


def _import_schema() -> dict:
    """The JSON body schema with ``ItemIn`` inlined (a ``$defs`` ref would dangle in OpenAPI)."""
    schema = ImportRequest.model_json_schema()
    defs = schema.pop("$defs", {})
    schema["properties"]["items"]["items"] = defs["ItemIn"]
    return schema


IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _import_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}}
                    },
                    "required": ["files"],
                }
            },
        },
    }
}


@uploads.post(
    "/projects/{project_id}/items",
    status_code=status.HTTP_201_CREATED,
    response_model=ImportResult,
    openapi_extra=IMPORT_BODY,
)
async def import_items(
    request: Request, access: ProjectManager, session: SessionDep
) -> ImportResult:
    """Owners and managers of the project's organization.

    JSON ``{items: [...]}`` or multipart ``files`` (images, zip archives, JSONL/CSV of texts).
    Row by row: see ``backend.items.importer`` for what is kept when some rows fail.
    """
    # The access check has ended its transaction (on SQLite it would hold the write lock while
    # the upload below takes minutes to arrive).
    project = ProjectRef.of(access.project)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        limit = get_settings().max_items_per_request
        async with request.form(max_files=limit, max_fields=100) as form:
            files = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
            if not files:
                raise invalid(("files",), "send the files in the multipart field 'files'")
            return await run_in_threadpool(
                service.import_uploads,
                session=session,
                project=project,
                uploads=files,
                actor_id=access.user_id,
            )
    if content_type.startswith("application/json"):
        try:
            body = ImportRequest.model_validate(strict_input.loads(await request.body()))
        except json.JSONDecodeError as exc:
            raise RequestValidationError(
                [{"type": "json_invalid", "loc": ("body", exc.pos), "msg": exc.msg}]
            ) from None
        except ValidationError as exc:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
            ) from None
        if len(body.items) > get_settings().max_items_per_request:
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE,
                detail=f"{len(body.items):,} items; at most "
                f"{get_settings().max_items_per_request:,} per request",
            )
        return await run_in_threadpool(
            service.import_json,
            session=session,
            project=project,
            items=body.items,
            actor_id=access.user_id,
        )
    raise HTTPException(
        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        detail="send application/json or multipart/form-data",
    )


@router.post("/projects/{project_id}/gold", response_model=GoldResult)
def set_gold(body: GoldRequest, access: ProjectManager, session: SessionDep) -> GoldResult:
    """Owners and managers; marks items gold and sets (or replaces) their known answers."""
    return gold.set_gold(
        session=session, project=access.project, rows=body.items, actor_id=access.user_id
    )


@router.get("/projects/{project_id}/gold", response_model=list[GoldPublic])
def list_gold(
    access: ProjectStaff, session: SessionDep, response: Response, page: Page = Query()
) -> list[GoldPublic]:
    """Owners, managers and reviewers; never annotators, who must not see the answers."""
    rows, total = queries.list_gold(
        session=session, project_id=access.project.id, offset=page.offset, limit=page.limit
    )
    response.headers.update(page_headers(total))
    return rows


@router.get("/items/{item_id}/media", response_class=Response)
def get_media(item: ItemMember, request: Request) -> Response:
    """Any member of the item's organization; 404 for everyone else, as for a missing item."""
    if item.media_key is None or item.media_type is None:
        raise not_found("media (this item is a text)")
    try:
        return stored_media_response(
            request,
            store=get_store(),
            key=item.media_key,
            sha256=item.content_hash,
            media_type=item.media_type,
        )
    except FileNotFoundError:
        raise not_found("media file") from None


@router.get("/items/{item_id}/thumbnail", response_class=Response)
def get_thumbnail(item: ItemMember, request: Request, session: SessionDep) -> Response:
    """Any member of the item's organization; 404 for everyone else.

    Normally made by the worker after import; if it is not there yet it is made now, so a
    gallery never shows holes while the queue catches up.
    """
    if item.media_key is None:
        raise not_found("thumbnail (this item is a text)")
    try:
        key = thumbnails.ensure_thumbnail(session=session, item=item)
    except FileNotFoundError:
        raise not_found("media file") from None
    session.commit()
    assert key is not None
    try:
        return stored_media_response(
            request, store=get_store(), key=key, sha256=None, media_type="image/webp"
        )
    except FileNotFoundError:
        raise not_found("thumbnail file") from None


router.include_router(uploads)
