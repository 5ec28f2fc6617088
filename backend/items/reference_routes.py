"""``GET /items/{item_id}/reference``: an item's template image, for its organization."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from backend.accounts.deps import SessionDep
from backend.errors import not_found
from backend.items.deps import ItemMember
from backend.items.references import reference_file
from backend.items.responses import media_response
from backend.routing import TransactionEndingRoute

router = APIRouter(tags=["items"], route_class=TransactionEndingRoute)


@router.get(
    "/items/{item_id}/reference",
    response_class=Response,
    responses={404: {"description": "no such item for you, or it has no reference image"}},
)
def get_reference(item: ItemMember, request: Request, session: SessionDep) -> Response:
    """The reference (template) image of an item: stored at import (``reference_image``) or the
    media of the item named by ``meta.reference_item``. Any member of the item's organization
    (as ``/media``); 404 for anyone else, and 404 ``no_reference`` when there is none."""
    found = reference_file(session=session, item=item)
    if not found.path.is_file():
        raise not_found("reference image file", code="no_reference")
    return media_response(
        request, path=found.path, sha256=found.sha256, media_type=found.media_type
    )
