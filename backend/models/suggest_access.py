"""Who may ask the outside model for an interactive suggestion on one item.

The person who holds a live lease of the item (any stage: annotating, reviewing, inspecting a
lot's sample) or a member of its organization who reviews or manages (``STAFF``): those are the
people the item is in front of. Anyone else of the organization gets 403 ``no_lease``; anyone of
another organization, or an item that does not exist, 404 as for any item (``check_org_access``).
Each suggestion costs the outside model a call, so it is not open to every member.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from sqlmodel import select

from backend import clock
from backend.accounts.deps import CurrentUser, SessionDep
from backend.assignments.models import Assignment
from backend.db import ends_its_transaction
from backend.errors import forbidden
from backend.items.models import Item
from backend.orgs.deps import check_org_access
from backend.orgs.models import EVERYONE, STAFF, Role
from backend.projects.models import Project


@dataclass(frozen=True)
class SuggestAccess:
    item: Item
    project: Project
    user_id: int


def holds_live_lease(*, session: SessionDep, item_id: int, user_id: int) -> bool:
    """Whether ``user_id`` holds a lease of the item that has not expired (any stage)."""
    return (
        session.exec(
            select(Assignment.id).where(
                Assignment.item_id == item_id,
                Assignment.annotator_id == user_id,
                Assignment.status == "leased",
                Assignment.expires_at > clock.now(),
            )
        ).first()
        is not None
    )


@ends_its_transaction
def suggest_access(item_id: int, user: CurrentUser, session: SessionDep) -> SuggestAccess:
    item = session.get(Item, item_id)
    membership = check_org_access(
        session=session,
        org_id=item.org_id if item is not None else None,
        user_id=user.id,
        allowed=EVERYONE,
        what="item",
    )
    project = session.get(Project, item.project_id)
    if project is None or project.org_id != item.org_id:
        raise forbidden("the item's project is gone", code="no_lease")  # never in practice
    if Role(membership.role) not in STAFF and not holds_live_lease(
        session=session, item_id=item.id, user_id=user.id
    ):
        raise forbidden(
            "only the person holding the item's lease, or a reviewer, may ask for a suggestion",
            code="no_lease",
        )
    return SuggestAccess(item=item, project=project, user_id=user.id)


ItemSuggester = Annotated[SuggestAccess, Depends(suggest_access)]
