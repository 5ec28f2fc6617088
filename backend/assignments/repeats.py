"""A repeated submit: the same answer again is a retry (200, the stored annotation); another
answer is refused (409 ``already_submitted``), never answered with the old one as if taken.

Every path of ``dispatch`` ends a repeat the same way: the PostgreSQL function and the fast path
hand it back (``not_leased``), the general path answers ``Repeat`` with the stored result, and
the dispatcher compares that with the body here. The body is compared as the kind normalises it
(``submitting.validate_result``: the numbers and fields the stored result was written with), so
a retry of the very same request is never refused; the item and project are read only then, on
the rare repeat, never on a first submit.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from backend.assignments.outcomes import Repeat
from backend.assignments.submitting import validate_result
from backend.errors import conflict
from backend.items.models import Item
from backend.kinds import ResultInvalid
from backend.projects.models import Project


def correction_route(annotation_id: int) -> str:
    return f"/api/v1/annotations/{annotation_id}"


def refuse_if_different(*, session: Session, repeat: Repeat, sent: Any) -> None:
    """Nothing when ``sent`` is the stored result (as the kind normalises it); 409 otherwise."""
    if sent == repeat.result:
        return
    row = session.execute(
        select(Project.kind, Project.labels, Item.width, Item.height, Item.text)
        .join(Item, Item.project_id == Project.id)
        .where(Item.id == repeat.item_id)
    ).one()
    session.rollback()  # a read only: no transaction is left open across the thread-pool hop
    project = SimpleNamespace(kind=row.kind, labels=row.labels)
    try:
        normalised = validate_result(project=project, item=row, result=sent)
    except ResultInvalid:
        normalised = None
    if normalised == repeat.result:
        return
    route = correction_route(repeat.id)
    raise conflict(
        f"assignment {repeat.assignment_id} was submitted already, with another result; "
        f'to change your answer, send PATCH {route} with {{"result": …}}',
        code="already_submitted",
        annotation_id=repeat.id,
        correction_url=route,
    )
