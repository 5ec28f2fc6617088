"""Who may use the data manager: owners and managers act; reviewers and the client (验收方) read.
Annotators never (they see items only through distribution). Another organization's project or
item is 404, as if missing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from backend.accounts.deps import CurrentUser, SessionDep
from backend.datamanager.filters import reject_unknown
from backend.datamanager.schemas import ListQuery
from backend.db import ends_its_transaction
from backend.items.models import Item
from backend.orgs.deps import check_org_access
from backend.orgs.models import MANAGERS, Role
from backend.projects.deps import ProjectAccess, project_role

READERS = frozenset({*MANAGERS, Role.reviewer, Role.client})


@dataclass(frozen=True)
class ItemAccess:
    item: Item
    role: Role

    @property
    def sees_names(self) -> bool:
        return self.role in MANAGERS


@ends_its_transaction
def item_for_reader(item_id: int, user: CurrentUser, session: SessionDep) -> ItemAccess:
    item = session.get(Item, item_id)
    membership = check_org_access(
        session=session,
        org_id=item.org_id if item is not None else None,
        user_id=user.id,
        allowed=READERS,
        what="item",
    )
    return ItemAccess(item=item, role=Role(membership.role))


def reject_unknown_parameters(request: Request) -> None:
    """422 ``unknown_filter`` naming a query parameter the list does not know: a misspelt
    filter would otherwise be ignored and answer more items than asked for."""
    reject_unknown(request.query_params, known=ListQuery.model_fields, where="query")


reject_unknown_parameters.checks_own_query = True  # type: ignore[attr-defined]


ProjectReader = Annotated[ProjectAccess, Depends(project_role(READERS))]
ItemReader = Annotated[ItemAccess, Depends(item_for_reader)]
