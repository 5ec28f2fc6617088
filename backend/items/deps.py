"""Access to one item: members of its organization only; 404 for everyone else, as if missing."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from backend.accounts.deps import CurrentUser, SessionDep
from backend.errors import not_found
from backend.items.models import Item
from backend.orgs.service import get_membership


def item_for_member(item_id: int, user: CurrentUser, session: SessionDep) -> Item:
    item = session.get(Item, item_id)
    if item is None or get_membership(session=session, org_id=item.org_id, user_id=user.id) is None:
        raise not_found("item")
    return item


ItemMember = Annotated[Item, Depends(item_for_member)]
