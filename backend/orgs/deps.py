"""Role checks on organization routes: each route states who may call it in one line.

A caller who is not a member gets 404 (the organization's existence is not revealed); a member
whose role is not allowed gets 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated

from fastapi import Depends

from backend.accounts.deps import CurrentUser, SessionDep
from backend.errors import forbidden, not_found
from backend.orgs.models import EVERYONE, MANAGERS, STAFF, Membership, Role
from backend.orgs.service import get_membership


def org_role(allowed: Iterable[Role]) -> Callable[..., Membership]:
    """Dependency factory: the caller's membership in ``org_id`` if its role is allowed."""
    allowed_set = frozenset(allowed)

    def dependency(org_id: int, user: CurrentUser, session: SessionDep) -> Membership:
        membership = get_membership(session=session, org_id=org_id, user_id=user.id)
        if membership is None:
            raise not_found("organization")
        if Role(membership.role) not in allowed_set:
            raise forbidden(f"this needs one of the roles: {', '.join(sorted(allowed_set))}")
        return membership

    return dependency


OrgMember = Annotated[Membership, Depends(org_role(EVERYONE))]
OrgStaff = Annotated[Membership, Depends(org_role(STAFF))]
OrgManager = Annotated[Membership, Depends(org_role(MANAGERS))]
