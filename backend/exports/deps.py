"""Access to one dataset version: staff of its organization (owners, managers, reviewers) and
the client (验收方), who builds and downloads versions but sees only those that name annotators
by pseudonym (the ones a client made: ``params.pseudonymous``); any other is 404 for them.

A caller outside the organization gets 404, as for anything of another organization; a member
with another role gets 403.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from backend.accounts.deps import CurrentUser, SessionDep
from backend.db import ends_its_transaction
from backend.errors import not_found
from backend.exports.models import DatasetVersion
from backend.orgs.deps import check_org_access
from backend.orgs.models import STAFF, Role

VERSION_READERS = frozenset({*STAFF, Role.client})


def visible_to(version: DatasetVersion, role: str) -> bool:
    """Whether a member of ``role`` may see this version (a client: pseudonymous ones only)."""
    return role != Role.client or bool(version.params.get("pseudonymous"))


def load_version(*, session: SessionDep, version_id: int, user_id: int) -> DatasetVersion:
    version = session.get(DatasetVersion, version_id)
    membership = check_org_access(
        session=session,
        org_id=version.org_id if version is not None else None,
        user_id=user_id,
        allowed=VERSION_READERS,
        what="version",
    )
    if not visible_to(version, membership.role):
        raise not_found("version")
    return version


@ends_its_transaction
def version_staff(version_id: int, user: CurrentUser, session: SessionDep) -> DatasetVersion:
    return load_version(session=session, version_id=version_id, user_id=user.id)


VersionStaff = Annotated[DatasetVersion, Depends(version_staff)]
