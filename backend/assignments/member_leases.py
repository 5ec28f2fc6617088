"""A person removed from an organization loses the items they hold in it at once.

Their live leases in the organization's projects end now (``expires_at`` set to the moment of
the removal), so the slots go to other annotators without waiting for the leases to run out. The
rows stay, as every ended lease stays (``leasing``): the unique (item, annotator) pair keeps
meaning "this person had this item", and their submitted annotations are not touched.

Runs inside the removal's transaction (``backend.events.MemberRemoved``), subscribed by
``backend.wiring.wire``: orgs sits below assignments and never imports it.
"""

from __future__ import annotations

from sqlalchemy import bindparam, text

from backend import clock, events
from backend.db import UTCDateTime

_END_LIVE_LEASES = text("""
UPDATE assignments SET expires_at = :now
WHERE annotator_id = :user_id AND status = 'leased' AND expires_at > :now
  AND project_id IN (SELECT id FROM projects WHERE org_id = :org_id)
""").bindparams(bindparam("now", type_=UTCDateTime()))


def end_live_leases(event: events.MemberRemoved) -> None:
    event.session.execute(
        _END_LIVE_LEASES,
        {"now": clock.now(), "user_id": event.user_id, "org_id": event.org_id},
    )


def subscribe_listeners() -> None:
    """Called by ``backend.wiring.wire``."""
    events.subscribe(events.MemberRemoved, end_live_leases)
