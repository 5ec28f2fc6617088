"""Invitation endpoints, and ``POST /orgs/{org_id}/members``, which now invites an address.

Joining an organization always takes the person's own acceptance: adding someone by e-mail
makes an invitation bound to that address (the same answer whether or not it has an account, so
the route tells nobody which addresses are registered); the person accepts it through its link or
from their own list (``GET /me/invites``).
"""

from __future__ import annotations

from fastapi import APIRouter, Body, Query, Request, Response, status

from backend.accounts.deps import CurrentUser, OptionalUser, SessionDep
from backend.accounts.service import access_token_for, get_user_by_email
from backend.invites import accepting, service
from backend.invites.models import Invite
from backend.invites.schemas import (
    AcceptBody,
    Accepted,
    InviteCreate,
    InviteCreated,
    InvitePreview,
    InvitePublic,
    MyInvite,
)
from backend.orgs.deps import OrgManager
from backend.orgs.models import Membership
from backend.orgs.schemas import MemberCreate
from backend.orgs.service import already_member, get_membership, member_public
from backend.pagination import Page, page_headers
from backend.routing import TransactionEndingRoute

router = APIRouter(tags=["invitations"], route_class=TransactionEndingRoute)

_CREATED = {"status_code": status.HTTP_201_CREATED, "response_model": InviteCreated}


@router.post("/orgs/{org_id}/invites", **_CREATED)
def create_invite(
    org_id: int, body: InviteCreate, manager: OrgManager, session: SessionDep, request: Request
) -> InviteCreated:
    """Owners and managers; only an owner may invite an owner. The token is shown only here."""
    return _create(session=session, org_id=org_id, manager=manager, body=body, request=request)


@router.post("/orgs/{org_id}/members", **_CREATED)
def add_member(
    org_id: int, body: MemberCreate, manager: OrgManager, session: SessionDep, request: Request
) -> InviteCreated:
    """Owners and managers: invite ``email`` with ``role`` (only an owner may invite an owner).

    Changed in the second release: this no longer adds anyone. It answers an invitation bound
    to the address, exactly alike for registered and unknown addresses; the person joins when
    they accept it (its link, or ``GET /me/invites``). 409 ``already_member`` for a member."""
    user = get_user_by_email(session=session, email=str(body.email))
    if user is not None and get_membership(session=session, org_id=org_id, user_id=user.id):
        raise already_member()  # members are on the caller's own members page already
    invite = InviteCreate(role=body.role, email=body.email)
    return _create(session=session, org_id=org_id, manager=manager, body=invite, request=request)


@router.get("/orgs/{org_id}/invites", response_model=list[InvitePublic])
def list_invites(
    org_id: int,
    manager: OrgManager,
    session: SessionDep,
    response: Response,
    pending: bool = Query(default=False, description="only those that can still be accepted"),
    page: Page = Query(),
) -> list[InvitePublic]:
    """Owners and managers: the organization's invitations, newest first, without tokens."""
    rows, total = service.list_invites(
        session=session,
        org_id=org_id,
        pending_only=pending,
        offset=page.offset,
        limit=page.limit,
    )
    response.headers.update(page_headers(total))
    return rows


@router.delete("/orgs/{org_id}/invites/{invite_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_invite(
    org_id: int, invite_id: int, manager: OrgManager, session: SessionDep
) -> Response:
    """Owners and managers: the link stops working (410 ``invite_revoked``)."""
    service.revoke_invite(session=session, org_id=org_id, invite_id=invite_id, actor=manager)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/invites/{token}", response_model=InvitePreview)
def open_invite(token: str, session: SessionDep) -> InvitePreview:
    """Anyone holding the link. Unknown token: 404; used, expired or withdrawn: 410."""
    return accepting.preview(session=session, token=token)


@router.post("/invites/{token}/accept", status_code=status.HTTP_201_CREATED)
def accept_invite(
    token: str,
    session: SessionDep,
    user: OptionalUser,
    body: AcceptBody | None = Body(default=None),
) -> Accepted:
    """Signed in: ``{}``. Not signed in: ``{email, password, name}`` creates the account (even
    where self sign-up is off: the invitation is the way in). 409 ``already_member``,
    ``email_taken``; 403 ``invite_other_email``; nothing is created on any refusal."""
    invite = accepting.open_invite(session=session, token=token)
    return _accept(session=session, invite=invite, user=user, body=body)


@router.get("/me/invites", response_model=list[MyInvite])
def my_invites(user: CurrentUser, session: SessionDep) -> list[MyInvite]:
    """Any signed-in user: pending invitations made out to their own address."""
    return accepting.my_invites(session=session, user=user)


@router.post("/me/invites/{invite_id}/accept", status_code=status.HTTP_201_CREATED)
def accept_my_invite(invite_id: int, user: CurrentUser, session: SessionDep) -> Accepted:
    """The person the invitation is made out to (anyone else: 404)."""
    invite = accepting.my_invite(session=session, user=user, invite_id=invite_id)
    return _accept(session=session, invite=invite, user=user, body=None)


@router.delete("/me/invites/{invite_id}", status_code=status.HTTP_204_NO_CONTENT)
def decline_my_invite(invite_id: int, user: CurrentUser, session: SessionDep) -> Response:
    """The person the invitation is made out to: say no (the link stops working)."""
    invite = accepting.my_invite(session=session, user=user, invite_id=invite_id)
    accepting.decline(session=session, invite=invite)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _create(
    *, session: SessionDep, org_id: int, manager: Membership, body: InviteCreate, request: Request
) -> InviteCreated:
    invite, token = service.create_invite(
        session=session,
        org_id=org_id,
        actor=manager,
        role=body.role,
        email=str(body.email) if body.email else None,
        expires_hours=body.expires_hours,
        project_ids=body.project_ids,
    )
    return InviteCreated(
        id=invite.id,
        org_id=invite.org_id,
        token=token,
        url=service.invite_url(token, request_base=str(request.base_url)),
        role=invite.role,
        email=invite.email,
        project_ids=invite.project_ids,
        expires_at=invite.expires_at,
    )


def _accept(
    *, session: SessionDep, invite: Invite, user: OptionalUser, body: AcceptBody | None
) -> Accepted:
    joined = accepting.accept(session=session, invite=invite, user=user, body=body)
    session.commit()
    return Accepted(
        access_token=access_token_for(joined.user),
        membership=member_public(session=session, membership=joined.membership),
    )
