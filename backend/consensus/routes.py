"""Quality endpoints: stored figures, consensus, annotator detail, pause and resume."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response, status

from backend.accounts.deps import SessionDep
from backend.consensus import reports
from backend.consensus.scheduling import request_recompute
from backend.consensus.schemas import AnnotatorDetail, ConsensusRow, PauseRequest, QualityReport
from backend.pagination import Page, page_headers
from backend.projects.deps import ProjectManager, ProjectStaff
from backend.routing import TransactionEndingRoute

router = APIRouter(tags=["quality"], route_class=TransactionEndingRoute)


@router.get("/projects/{project_id}/quality", response_model=QualityReport)
def get_quality(access: ProjectStaff, session: SessionDep) -> QualityReport:
    """Owners, managers and reviewers: agreement figures and the annotator table."""
    return reports.quality_report(session=session, project=access.project)


@router.get("/projects/{project_id}/quality/annotators.csv")
def annotators_csv(access: ProjectStaff, session: SessionDep) -> Response:
    """Owners, managers and reviewers: the annotator table as CSV."""
    body = reports.annotators_csv(session=session, project=access.project)
    filename = f"project-{access.project.id}-annotators.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/projects/{project_id}/annotators/{user_id}", response_model=AnnotatorDetail)
def annotator_detail(user_id: int, access: ProjectStaff, session: SessionDep) -> AnnotatorDetail:
    """Owners, managers and reviewers: one annotator's figures with a confusion matrix."""
    return reports.annotator_detail(session=session, project=access.project, user_id=user_id)


@router.post("/projects/{project_id}/annotators/{user_id}/resume", status_code=200)
def resume(user_id: int, access: ProjectManager, session: SessionDep) -> dict[str, str]:
    """Owners and managers: let a paused annotator work again (audited)."""
    reports.set_annotator_status(
        session=session,
        project=access.project,
        user_id=user_id,
        status="active",
        reason=None,
        actor=access.membership,
    )
    return {"status": "active"}


@router.post("/projects/{project_id}/annotators/{user_id}/pause", status_code=200)
def pause(
    user_id: int, body: PauseRequest, access: ProjectManager, session: SessionDep
) -> dict[str, str]:
    """Owners and managers: pause an annotator by hand (audited)."""
    reports.set_annotator_status(
        session=session,
        project=access.project,
        user_id=user_id,
        status="paused",
        reason=body.reason,
        actor=access.membership,
    )
    return {"status": "paused"}


@router.get("/projects/{project_id}/consensus", response_model=list[ConsensusRow])
def list_consensus(
    access: ProjectStaff,
    session: SessionDep,
    response: Response,
    page: Page = Query(),
    min_confidence: float | None = Query(default=None, ge=0, le=1),
    max_confidence: float | None = Query(default=None, ge=0, le=1),
    complete: bool | None = Query(default=None),
) -> list[ConsensusRow]:
    """Owners, managers and reviewers: consensus per item, filterable by confidence and by
    ``complete`` (gold, or as many answers as the project's overlap)."""
    rows, total = reports.list_consensus(
        session=session,
        project_id=access.project.id,
        min_confidence=min_confidence,
        max_confidence=max_confidence,
        overlap=access.project.overlap,
        complete=complete,
        offset=page.offset,
        limit=page.limit,
    )
    response.headers.update(page_headers(total))
    return rows


@router.post("/projects/{project_id}/quality/recompute", status_code=status.HTTP_202_ACCEPTED)
def recompute_now(access: ProjectManager, session: SessionDep) -> dict[str, bool]:
    """Owners and managers: ask for a recompute now (coalesced with any pending one)."""
    return {"sent": request_recompute(session=session, project_id=access.project.id)}
