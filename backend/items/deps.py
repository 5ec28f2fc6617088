"""Access to one item: members of its organization only; 404 for everyone else, as if missing."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from backend.accounts.deps import CurrentUser, SessionDep
from backend.db import ends_its_transaction
from backend.items.models import Item
from backend.orgs.deps import check_org_access
from backend.orgs.models import EVERYONE


@ends_its_transaction
def item_for_member(item_id: int, user: CurrentUser, session: SessionDep) -> Item:
    item = session.get(Item, item_id)
    check_org_access(
        session=session,
        org_id=item.org_id if item is not None else None,
        user_id=user.id,
        allowed=EVERYONE,
        what="item",
    )
    return item


ItemMember = Annotated[Item, Depends(item_for_member)]
