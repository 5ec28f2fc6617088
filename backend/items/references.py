"""Reference (template) images: stored at import, or named in ``meta.reference_item``.

Inspection of printed circuit boards and other patterned parts compares each test image with a
defect-free template of the same part (the DeepPCB set pairs every ``*_test.jpg`` with a
``*_temp.jpg``; S. Tang et al., "Online PCB Defect Detector On A New PCB Defect Dataset",
arXiv:1902.06197, 2019). An item gets its template either on import (``reference_image``: a
``data:`` URL or a path under the import root, checked like any image) or by naming another item
in its ``meta``: ``"reference_item": <item id>`` (any item of the same organization) or
``"<external_id>"`` (an item of the same project). A named item of another organization, or none,
is a 404 exactly like a missing one, so nothing is learnt about other organizations.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from backend.errors import not_found
from backend.items import images, storage
from backend.items.models import Item
from backend.items.reference_models import ItemReference

META_KEY = "reference_item"


@dataclass(frozen=True)
class ReferenceFile:
    path: Path
    media_type: str
    sha256: str


def _named_item(session: Session, item: Item, named: Any) -> Item | None:
    if isinstance(named, int) and not isinstance(named, bool):
        other = session.get(Item, named)
        return other if other is not None and other.org_id == item.org_id else None
    if isinstance(named, str) and named:
        return session.exec(
            select(Item)
            .where(Item.project_id == item.project_id, Item.external_id == named)
            .order_by(Item.id)
            .limit(1)
        ).first()
    return None


def reference_file(*, session: Session, item: Item) -> ReferenceFile:
    """The template image of ``item``; 404 ``no_reference`` when it has none (or names an item
    that does not exist for its organization)."""
    stored = session.get(ItemReference, item.id)
    if stored is not None:
        return ReferenceFile(storage.path_of(stored.media_key), stored.media_type, stored.sha256)
    named = (item.meta or {}).get(META_KEY)
    if named is None:
        raise not_found("reference image", code="no_reference")
    other = _named_item(session, item, named)
    if other is None or other.id == item.id or other.media_key is None:
        raise not_found("reference item", code="no_reference")
    return ReferenceFile(
        storage.path_of(other.media_key), other.media_type or "", other.content_hash
    )


def check_reference(staged: storage.StagedFile, *, max_pixels: int) -> images.CheckedImage:
    """A staged template checked like an item image (formats, pixel limit, orientation)."""
    return images.check_image(staged, max_pixels=max_pixels)


def store_references(
    *, session: Session, org_id: int, rows: list[tuple[int, str, images.CheckedImage]]
) -> None:
    """Rows ``(item id, media key, checked image)`` of the items just inserted."""
    session.add_all(
        ItemReference(
            item_id=item_id,
            org_id=org_id,
            media_key=key,
            media_type=checked.media_type,
            sha256=checked.staged.sha256,
            width=checked.width,
            height=checked.height,
        )
        for item_id, key, checked in rows
    )
