"""Consensus behaviour per project kind."""

from __future__ import annotations

from backend.consensus.kinds.base import ConsensusKind
from backend.consensus.kinds.boxes import BOXES
from backend.consensus.kinds.classes import CLASSES
from backend.consensus.kinds.spans import SPANS

_BY_KIND: dict[str, ConsensusKind] = {
    "image_classification": CLASSES,
    "text_classification": CLASSES,
    "image_boxes": BOXES,
    "text_spans": SPANS,
}


def consensus_kind(kind: str) -> ConsensusKind:
    return _BY_KIND[kind]
