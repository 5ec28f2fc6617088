"""Correction endpoints: the caller's own answers, replacing one, and its history."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from backend.accounts.deps import CurrentUser, SessionDep
from backend.assignments.schemas import media_url
from backend.corrections import service
from backend.corrections.schemas import (
    AnnotationHistoryAnswer,
    CorrectedAnnotation,
    CorrectionBody,
    HistoryEntry,
    ItemView,
    MyAnnotation,
)
from backend.pagination import Page, page_headers
from backend.routing import TransactionEndingRoute

router = APIRouter(tags=["corrections"], route_class=TransactionEndingRoute)


@router.get("/me/annotations", response_model=list[MyAnnotation])
def my_annotations(
    user: CurrentUser,
    session: SessionDep,
    response: Response,
    project_id: int = Query(description="the project whose answers to list"),
    page: Page = Query(),
) -> list[MyAnnotation]:
    """Any member of the project's organization: the caller's own annotations, newest first,
    paginated (``X-Total-Count``), each with whether it may still be corrected."""
    rows, total = service.list_mine(
        session=session,
        user_id=user.id,
        project_id=project_id,
        offset=page.offset,
        limit=page.limit,
    )
    response.headers.update(page_headers(total))
    return [
        MyAnnotation(
            id=row.annotation.id,
            project_id=row.annotation.project_id,
            item_id=row.item.id,
            result=row.annotation.result,
            created_at=row.annotation.created_at,
            corrections=row.corrections,
            can_correct=row.settled is None,
            settled_reason=row.settled,
            item=ItemView(
                id=row.item.id,
                kind=row.kind,
                text=row.item.text,
                media_url=media_url(row.item.id) if row.item.media_key else None,
                width=row.item.width,
                height=row.item.height,
            ),
        )
        for row in rows
    ]


@router.patch(
    "/annotations/{annotation_id}",
    response_model=CorrectedAnnotation,
    responses={
        404: {"description": "not the caller's annotation"},
        409: {"description": "`item_final`: the item is reviewed, final or gold"},
    },
)
def correct_annotation(
    annotation_id: int, body: CorrectionBody, user: CurrentUser, session: SessionDep
) -> CorrectedAnnotation:
    """Only the annotation's author, while its item is not settled; the old result is kept
    (``GET /annotations/{annotation_id}/history``) and the quality figures are recomputed."""
    annotation = service.correct(
        session=session, annotation_id=annotation_id, user_id=user.id, result=body.result
    )
    return CorrectedAnnotation.model_validate(annotation, from_attributes=True)


@router.get("/annotations/{annotation_id}/history", response_model=AnnotationHistoryAnswer)
def annotation_history(
    annotation_id: int, user: CurrentUser, session: SessionDep
) -> AnnotationHistoryAnswer:
    """The annotation's author, and owners, managers and reviewers of its organization."""
    annotation, rows = service.history(
        session=session, annotation_id=annotation_id, user_id=user.id
    )
    return AnnotationHistoryAnswer(
        annotation_id=annotation.id,
        current=annotation.result,
        history=[HistoryEntry.model_validate(row, from_attributes=True) for row in rows],
    )
