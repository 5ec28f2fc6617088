"""The registry of project kinds: the only shared file a new kind touches.

A kind is one module of this package (a ``Kind``: validation, gold scoring, consensus, fallback
vote, labels, export formats, UI tool), its geometry in ``quality/``, its tool in
``labeling_ui/js/tools/`` and one line below. Every domain looks kinds up here, never by name in
an if-chain. Code outside the package (a plug-in, the test suite) calls ``register_kind``.
"""

from __future__ import annotations

from backend.kinds.classification import IMAGE_CLASSIFICATION, TEXT_CLASSIFICATION
from backend.kinds.image_boxes import IMAGE_BOXES
from backend.kinds.image_polygons import IMAGE_POLYGONS
from backend.kinds.kind import Kind, Vote
from backend.kinds.registry import KINDS, UnknownKind, get_kind, register_kind, unregister_kind
from backend.kinds.results import ItemShape, ResultInvalid
from backend.kinds.text_spans import TEXT_SPANS

register_kind(IMAGE_CLASSIFICATION)
register_kind(IMAGE_BOXES)
register_kind(TEXT_CLASSIFICATION)
register_kind(TEXT_SPANS)
register_kind(IMAGE_POLYGONS)

BUILT_IN_KINDS: tuple[str, ...] = tuple(KINDS)

__all__ = [
    "BUILT_IN_KINDS",
    "KINDS",
    "ItemShape",
    "Kind",
    "ResultInvalid",
    "UnknownKind",
    "Vote",
    "get_kind",
    "register_kind",
    "unregister_kind",
]
