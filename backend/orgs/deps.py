"""Role checks on organization routes: each route states who may call it in one line.

A caller who is not a member gets 404 (the organization's existence is not revealed); a member
whose role is not allowed gets 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated

from fastapi import Depends

from backend.accounts.deps import CurrentUser, SessionDep
from backend.db import ends_its_transaction
from backend.errors import forbidden, not_found
from backend.orgs.models import EVERYONE, MANAGERS, STAFF, Membership, Role
from backend.orgs.service import get_membership


def check_org_access(
    *, session: SessionDep, org_id: int | None, user_id: int, allowed: Iterable[Role], what: str
) -> Membership:
    """The caller's membership in the organization owning ``what``: 404 when there is none (or
    ``org_id`` is None because the object does not exist), 403 when the role is not allowed.

    The one place every object-level check goes through, so "404 across organizations, 403 for
    a wrong role" is the same everywhere.
    """
    membership = (
        get_membership(session=session, org_id=org_id, user_id=user_id)
        if org_id is not None
        else None
    )
    if membership is None:
        raise not_found(what)
    allowed_set = frozenset(allowed)
    if Role(membership.role) not in allowed_set:
        roles = sorted(allowed_set)
        raise forbidden(f"this needs one of the roles: {', '.join(roles)}", roles=roles)
    return membership


def org_role(allowed: Iterable[Role]) -> Callable[..., Membership]:
    """Dependency factory: the caller's membership in ``org_id`` if its role is allowed."""
    allowed_set = frozenset(allowed)

    @ends_its_transaction
    def dependency(org_id: int, user: CurrentUser, session: SessionDep) -> Membership:
        return check_org_access(
            session=session,
            org_id=org_id,
            user_id=user.id,
            allowed=allowed_set,
            what="organization",
        )

    return dependency


OrgMember = Annotated[Membership, Depends(org_role(EVERYONE))]
OrgStaff = Annotated[Membership, Depends(org_role(STAFF))]
OrgManager = Annotated[Membership, Depends(org_role(MANAGERS))]
OrgOwner = Annotated[Membership, Depends(org_role({Role.owner}))]
