"""Access to one lot: through its project's organization (404 for another's), by role."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException, status
from sqlmodel import Session

from backend.errors import not_found
from backend.lots.models import Lot
from backend.orgs.models import MANAGERS, STAFF, Role
from backend.projects.deps import ProjectAccess, load_project_access

LOT_READERS = frozenset({*STAFF, Role.client})
"""See lots and their inspection results: staff and the client, never annotators."""
LOT_DECIDERS = frozenset({*MANAGERS, Role.client})
"""Make lots, send a rejected lot to rework, inspect it again: managers and the client."""


@dataclass(frozen=True)
class LotAccess:
    lot: Lot
    access: ProjectAccess

    @property
    def role(self) -> str:
        return self.access.membership.role


def load_lot(*, session: Session, lot_id: int, user_id: int, allowed: frozenset[Role]) -> LotAccess:
    """The lot, with the caller's access to its project; 404 for an unknown or foreign lot."""
    lot = session.get(Lot, lot_id)
    if lot is None:
        raise not_found("lot")
    try:
        access = load_project_access(
            session=session, project_id=lot.project_id, user_id=user_id, allowed=allowed
        )
    except HTTPException as exc:  # "project not found" would say that the lot id exists
        if exc.status_code == status.HTTP_404_NOT_FOUND:
            raise not_found("lot") from None
        raise
    return LotAccess(lot, access)
