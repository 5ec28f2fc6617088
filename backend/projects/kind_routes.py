"""``GET /kinds``: what the browser needs of every kind (its media, its tool, its formats).

Here, not in ``backend/kinds/``: the registry sits below every domain, the route needs a signed-in
user (accounts), and a kind is what a project is made of.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from backend.accounts.deps import CurrentUser
from backend.kinds.kind import Kind, Media
from backend.kinds.registry import KINDS
from backend.routing import TransactionEndingRoute

router = APIRouter(tags=["kinds"], route_class=TransactionEndingRoute)


class KindPublic(BaseModel):
    name: str
    media: Media
    tool: str  # the labeling UI's module: labeling_ui/js/tools/tool_<tool>.js
    formats: list[str]  # export formats, preferred first
    # A result is exactly one label (classification): a removed label's answers must be mapped
    # to another label, they cannot just lose it (``label_map`` of ``PATCH /projects/{id}``).
    whole_label: bool = False
    # The project rate paid per mark of this kind (``per_box``, ``per_span``), if any (issue 20).
    mark_rate: str | None = None


def _whole_label(kind: Kind) -> bool:
    example = kind.example
    labels = kind.labels_of(example) if example is not None else []
    return bool(labels) and kind.rename_label(example, labels[0], None) is None


@router.get("/kinds", response_model=list[KindPublic])
def list_kinds(user: CurrentUser) -> list[KindPublic]:
    """Any signed-in user: every kind this server knows, in registration order."""
    return [
        KindPublic(
            name=kind.name,
            media=kind.media,
            tool=kind.tool,
            formats=list(kind.formats),
            whole_label=_whole_label(kind),
            mark_rate=kind.paid_marks[1] if kind.paid_marks else None,
        )
        for kind in KINDS.values()
    ]
