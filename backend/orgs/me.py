"""``GET /me``: the signed-in user with their memberships.

Served by the orgs domain because memberships are its rows: accounts sits below orgs and imports
nothing of it. Tagged ``accounts`` as it always was, beside sign-in and the personal tokens.
"""

from __future__ import annotations

from fastapi import APIRouter

from backend.accounts.deps import CurrentUser, SessionDep
from backend.accounts.schemas import UserPublic
from backend.orgs.schemas import MembershipOfMe, MePublic
from backend.orgs.service import list_orgs_of
from backend.routing import TransactionEndingRoute

router = APIRouter(tags=["accounts"], route_class=TransactionEndingRoute)


@router.get("/me", response_model=MePublic)
def me(user: CurrentUser, session: SessionDep) -> MePublic:
    """Any signed-in user: themself with their memberships."""
    memberships = [
        MembershipOfMe(org_id=o.id, org_name=o.name, role=o.role)
        for o in list_orgs_of(session=session, user=user)
    ]
    return MePublic(
        **UserPublic.model_validate(user).model_dump(),
        must_change_password=user.must_change_password,
        memberships=memberships,
    )
