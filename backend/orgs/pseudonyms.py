"""Pseudonyms of annotators for the client role (验收方): ``A-7f3c`` instead of a name or id.

A client inspects work and judges it, but the firm's people are not theirs to know: every route a
client may call shows an annotator as ``pseudonym(org_id, user_id)``. It is a keyed HMAC-SHA256
(RFC 2104) of the organization and the person under the app's secret, so it is stable (the same
person has the same pseudonym on every page and in every export of that organization), differs
between organizations (two clients cannot match people across firms), and cannot be turned back
into an id without the secret. Four hex digits are shown, like a short commit hash (spec: "a
pseudonym such as ``A-7f3c``"); two people of one organization share one with odds of 1 in 65 536
per pair, which is harmless: the pseudonym only groups answers for reading, it grants nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from backend.orgs.models import Role
from backend.settings import get_settings

PREFIX = "A-"


@lru_cache(maxsize=4096)
def pseudonym(org_id: int, user_id: int, *, digits: int = 4) -> str:
    """``A-`` and ``digits`` hex digits of HMAC-SHA256(secret, "org:user")."""
    key = get_settings().secret_key.encode()
    mac = hmac.new(key, f"annotator:{org_id}:{user_id}".encode(), hashlib.sha256).hexdigest()
    return f"{PREFIX}{mac[:digits]}"


def shows_people(role: str | Role) -> bool:
    """Whether a member of this role may see who annotated (everyone but the client)."""
    return Role(role) is not Role.client


def annotator_ref(*, role: str | Role, org_id: int, user_id: int | None) -> int | str | None:
    """The annotator as this role sees them: the id for staff, the pseudonym for a client."""
    if user_id is None or shows_people(role):
        return user_id
    return pseudonym(org_id, user_id)
