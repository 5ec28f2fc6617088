"""Model endpoints: train, versions, the project page's summary, a pre-label refresh, the
signed media links outside models fetch images with, and interactive point suggestions."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response, status
from sqlmodel import Session

from backend.accounts.deps import SessionDep
from backend.errors import not_found
from backend.items import storage
from backend.items.models import Item
from backend.items.responses import media_response
from backend.models import service, suggest, summary, versions
from backend.models.media_links import link_is_valid
from backend.models.schemas import (
    ModelsSummary,
    ModelVersionPublic,
    SuggestBody,
    SuggestionPublic,
    TrainAnswer,
)
from backend.models.suggest_access import ItemSuggester
from backend.pagination import Page, page_headers
from backend.projects.deps import ProjectManager, ProjectStaff
from backend.routing import TransactionEndingRoute

router = APIRouter(tags=["models"], route_class=TransactionEndingRoute)


@router.post(
    "/projects/{project_id}/models/train",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=TrainAnswer,
)
def train(access: ProjectManager, session: SessionDep) -> TrainAnswer:
    """Owners and managers: queue a training on the final answers (a worker runs it). While
    one waits, the same version is answered (``created`` false)."""
    version, created = service.ask_training(
        session=session, project=access.project, actor=access.membership
    )
    return TrainAnswer(version=version.version, status=version.status, created=created)


@router.get("/projects/{project_id}/models", response_model=list[ModelVersionPublic])
def list_models(
    access: ProjectStaff, session: SessionDep, response: Response, page: Page = Query()
) -> list[ModelVersionPublic]:
    """Owners, managers and reviewers: the model versions, newest first (paginated)."""
    rows, total = versions.list_versions(
        session=session, project_id=access.project.id, offset=page.offset, limit=page.limit
    )
    response.headers.update(page_headers(total))
    return [ModelVersionPublic.model_validate(v) for v in rows]


@router.get("/projects/{project_id}/models/summary", response_model=ModelsSummary)
def models_summary(access: ProjectStaff, session: SessionDep) -> ModelsSummary:
    """Owners, managers and reviewers: the project page's models section."""
    return summary.models_summary(session=session, project=access.project)


@router.post("/projects/{project_id}/models/prelabel", status_code=status.HTTP_202_ACCEPTED)
def refresh_prelabels(access: ProjectManager, session: SessionDep) -> dict[str, bool]:
    """Owners and managers: pre-label and rank the open items again (current model, outside
    endpoint), in a worker."""
    service.ask_refresh(session=session, project=access.project)
    return {"sent": True}


@router.get("/models/media/{item_id}", response_class=Response, include_in_schema=False)
def signed_media(
    item_id: int,
    request: Request,
    session: SessionDep,
    expires: int = Query(ge=0, le=2**62),
    sig: str = Query(min_length=64, max_length=64),
) -> Response:
    """Anyone holding a link the platform signed for an outside model, until it expires
    (``media_links``); 404 otherwise."""
    item = (
        _item_with_media(session, item_id)
        if link_is_valid(item_id, expires=expires, sig=sig)
        else None
    )
    if item is None:
        raise not_found("media")
    path = storage.path_of(item.media_key)
    if not path.is_file():
        raise not_found("media")
    return media_response(request, path=path, sha256=item.content_hash, media_type=item.media_type)


def _item_with_media(session: Session, item_id: int) -> Item | None:
    item = session.get(Item, item_id)
    if item is None or item.media_key is None or item.media_type is None:
        return None
    return item


@router.post(
    "/items/{item_id}/suggest",
    response_model=SuggestionPublic,
    responses={
        403: {"description": "``no_lease``: neither holding the item's lease nor a reviewer"},
        404: {"description": "no such item for you"},
        409: {"description": "``no_model_endpoint`` or ``suggestion_unsupported_kind``"},
        502: {"description": "``suggestion_dropped`` with ``reason``: the model's answer"},
    },
)
def suggest_at_points(
    body: SuggestBody, access: ItemSuggester, session: SessionDep
) -> SuggestionPublic:
    """The person holding the item's lease (any stage), reviewers and managers: the outside
    model's box or polygon for the points clicked, checked like a pre-label; not stored."""
    found = suggest.suggest(
        session=session,
        project=access.project,
        item=access.item,
        points=[(x, y) for x, y in body.points],
        label=body.label,
    )
    return SuggestionPublic(
        item_id=found.item_id,
        result=found.result,
        score=found.score,
        model_version=found.model_version,
    )
