"""Access to one dataset version: staff of its organization (owners, managers, reviewers).

A caller outside the organization gets 404, as for anything of another organization; a member
with another role gets 403.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from backend.accounts.deps import CurrentUser, SessionDep
from backend.errors import forbidden, not_found
from backend.exports.models import DatasetVersion
from backend.orgs.models import STAFF, Role
from backend.orgs.service import get_membership


def load_version(*, session: SessionDep, version_id: int, user_id: int) -> DatasetVersion:
    version = session.get(DatasetVersion, version_id)
    membership = (
        get_membership(session=session, org_id=version.org_id, user_id=user_id)
        if version is not None
        else None
    )
    if version is None or membership is None:
        raise not_found("version")
    if Role(membership.role) not in STAFF:
        raise forbidden(f"this needs one of the roles: {', '.join(sorted(STAFF))}")
    return version


def version_staff(version_id: int, user: CurrentUser, session: SessionDep) -> DatasetVersion:
    return load_version(session=session, version_id=version_id, user_id=user.id)


VersionStaff = Annotated[DatasetVersion, Depends(version_staff)]
