"""Access to one dataset version: staff of its organization (owners, managers, reviewers).

A caller outside the organization gets 404, as for anything of another organization; a member
with another role gets 403.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from backend.accounts.deps import CurrentUser, SessionDep
from backend.db import ends_its_transaction
from backend.exports.models import DatasetVersion
from backend.orgs.deps import check_org_access
from backend.orgs.models import STAFF


def load_version(*, session: SessionDep, version_id: int, user_id: int) -> DatasetVersion:
    version = session.get(DatasetVersion, version_id)
    check_org_access(
        session=session,
        org_id=version.org_id if version is not None else None,
        user_id=user_id,
        allowed=STAFF,
        what="version",
    )
    return version


@ends_its_transaction
def version_staff(version_id: int, user: CurrentUser, session: SessionDep) -> DatasetVersion:
    return load_version(session=session, version_id=version_id, user_id=user.id)


VersionStaff = Annotated[DatasetVersion, Depends(version_staff)]
