"""``GET /kinds``: what the browser needs of every kind (its media, its tool, its formats).

Here, not in ``backend/kinds/``: the registry sits below every domain, the route needs a signed-in
user (accounts), and a kind is what a project is made of.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from backend.accounts.deps import CurrentUser
from backend.kinds.kind import Media
from backend.kinds.registry import KINDS
from backend.routing import TransactionEndingRoute

router = APIRouter(tags=["kinds"], route_class=TransactionEndingRoute)


class KindPublic(BaseModel):
    name: str
    media: Media
    tool: str  # the labeling UI's module: labeling_ui/js/tools/tool_<tool>.js
    formats: list[str]  # export formats, preferred first


@router.get("/kinds", response_model=list[KindPublic])
def list_kinds(user: CurrentUser) -> list[KindPublic]:
    """Any signed-in user: every kind this server knows, in registration order."""
    return [
        KindPublic(name=kind.name, media=kind.media, tool=kind.tool, formats=list(kind.formats))
        for kind in KINDS.values()
    ]
