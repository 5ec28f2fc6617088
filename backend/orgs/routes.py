"""Organization and membership endpoints. Joining is by invitation only: ``POST
/orgs/{org_id}/members`` (which invites an address) lives with the invitations, in
``backend/invites``."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response, status

from backend.accounts.deps import CurrentUser, SessionDep
from backend.orgs import service
from backend.orgs.deps import OrgManager, OrgMember, OrgOwner, OrgStaff
from backend.orgs.schemas import (
    MemberPublic,
    MemberUpdate,
    OrgCreate,
    OrgPublic,
    TemporaryPassword,
    TemporaryPasswordBody,
)
from backend.pagination import Page, page_headers
from backend.routing import TransactionEndingRoute

router = APIRouter(tags=["organizations"], route_class=TransactionEndingRoute)


@router.post("/orgs", status_code=status.HTTP_201_CREATED, response_model=OrgPublic)
def create_org(body: OrgCreate, user: CurrentUser, session: SessionDep) -> OrgPublic:
    """Any signed-in user; the caller becomes the owner."""
    return service.create_org(session=session, name=body.name, owner=user)


@router.get("/orgs", response_model=list[OrgPublic])
def list_my_orgs(user: CurrentUser, session: SessionDep) -> list[OrgPublic]:
    """Any signed-in user: the organizations they belong to, with their role."""
    return service.list_orgs_of(session=session, user=user)


@router.get("/orgs/{org_id}", response_model=OrgPublic)
def get_org(org_id: int, member: OrgMember, user: CurrentUser, session: SessionDep) -> OrgPublic:
    """Any member."""
    return next(o for o in service.list_orgs_of(session=session, user=user) if o.id == org_id)


@router.get("/orgs/{org_id}/members", response_model=list[MemberPublic])
def list_members(
    org_id: int,
    staff: OrgStaff,
    session: SessionDep,
    response: Response,
    page: Page = Query(),
) -> list[MemberPublic]:
    """Owners, managers and reviewers (annotators do not see each other's emails)."""
    rows, total = service.list_members(
        session=session, org_id=org_id, offset=page.offset, limit=page.limit
    )
    response.headers.update(page_headers(total))
    return rows


@router.patch("/orgs/{org_id}/members/{member_id}", response_model=MemberPublic)
def change_role(
    org_id: int, member_id: int, body: MemberUpdate, manager: OrgManager, session: SessionDep
) -> MemberPublic:
    """Owners and managers; the owner role is granted or taken only by an owner."""
    return service.change_role(
        session=session, org_id=org_id, member_id=member_id, role=body.role, actor=manager
    )


@router.delete("/orgs/{org_id}/members/{member_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(
    org_id: int, member_id: int, manager: OrgManager, session: SessionDep
) -> Response:
    """Owners and managers; the last owner cannot be removed."""
    service.remove_member(session=session, org_id=org_id, member_id=member_id, actor=manager)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/orgs/{org_id}/members/{member_id}/password",
    response_model=TemporaryPassword,
)
def set_temporary_password(
    org_id: int,
    member_id: int,
    body: TemporaryPasswordBody,
    owner: OrgOwner,
    session: SessionDep,
) -> TemporaryPassword:
    """Owners only, for another member who belongs to no other organization (there is no mail
    server on a factory intranet). Their sign-in tokens stop working; the UI makes them choose
    a new password at their next sign-in."""
    user_id, password = service.set_temporary_password(
        session=session, org_id=org_id, member_id=member_id, password=body.password, actor=owner
    )
    return TemporaryPassword(user_id=user_id, temporary_password=password)
