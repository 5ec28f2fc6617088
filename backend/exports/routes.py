"""Dataset version endpoints: create, list, read, download, diff."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import FileResponse

from backend.accounts.deps import CurrentUser, SessionDep
from backend.errors import conflict
from backend.exports import service
from backend.exports.deps import VersionStaff, load_version
from backend.exports.schemas import VersionCreate, VersionDetail, VersionDiff, VersionPublic
from backend.orgs.models import MANAGERS, STAFF, Role
from backend.orgs.pseudonyms import shows_people
from backend.pagination import Page, page_headers
from backend.projects.deps import ProjectAccess, project_role
from backend.routing import TransactionEndingRoute

router = APIRouter(tags=["exports"], route_class=TransactionEndingRoute)

ProjectVersionMaker = Annotated[ProjectAccess, Depends(project_role({*MANAGERS, Role.client}))]
ProjectVersionReader = Annotated[ProjectAccess, Depends(project_role({*STAFF, Role.client}))]


@router.post(
    "/projects/{project_id}/versions",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=VersionPublic,
)
def create_version(
    body: VersionCreate, access: ProjectVersionMaker, session: SessionDep, request: Request
) -> VersionPublic:
    """Owners, managers and the client of the project's organization; the build runs in a
    worker. A client's version names annotators by pseudonym only."""
    version = service.create_version(
        session=session,
        project=access.project,
        body=body,
        actor=access.membership,
        media_base_url=str(request.base_url),
    )
    return VersionPublic.model_validate(version)


@router.get("/projects/{project_id}/versions", response_model=list[VersionPublic])
def list_versions(
    access: ProjectVersionReader, session: SessionDep, response: Response, page: Page = Query()
) -> list[VersionPublic]:
    """Owners, managers, reviewers and the client (its pseudonymous versions only) of the
    project's organization; newest first, paginated."""
    rows, total = service.list_versions(
        session=session,
        project_id=access.project.id,
        offset=page.offset,
        limit=page.limit,
        pseudonymous_only=not shows_people(access.membership.role),
    )
    response.headers.update(page_headers(total))
    return [VersionPublic.model_validate(v) for v in rows]


@router.get("/versions/{version_id}", response_model=VersionDetail)
def get_version(version: VersionStaff) -> VersionDetail:
    """Owners, managers, reviewers and the client (pseudonymous versions) of the version's
    organization: status, progress, counts, manifest."""
    return VersionDetail.model_validate(version)


@router.get("/versions/{version_id}/download", response_class=FileResponse)
def download_version(version: VersionStaff, request: Request) -> Response:
    """Staff and the client (pseudonymous versions) of the version's organization; 409 until it
    is ready.
    The ETag is the zip's sha256, so a client can check what it got and skip a re-download."""
    path = service.ready_file(version)
    etag = f'"{version.sha256}"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
    if not path.is_file():
        raise conflict(f"the zip of version {version.number} is missing on the server")
    return FileResponse(
        path,
        media_type="application/zip",
        filename=f"project-{version.project_id}-v{version.number}-{version.format}.zip",
        headers={"ETag": etag, "X-Checksum-Sha256": version.sha256 or ""},
    )


@router.get("/versions/{version_id}/diff/{other_id}", response_model=VersionDiff)
def diff_versions(
    version: VersionStaff,
    other_id: int,
    user: CurrentUser,
    session: SessionDep,
    limit: int = Query(default=100, ge=0, le=1000),
) -> VersionDiff:
    """Staff and the client (pseudonymous versions) of both versions' organization: items added,
    removed and changed from this version to the other; 409 unless both are ready."""
    other = load_version(session=session, version_id=other_id, user_id=user.id)
    return service.diff_versions(old=version, new=other, limit=limit)
