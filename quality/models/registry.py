"""The built-in model of each project kind, and the data shapes the platform hands them.

The backend stores final results in the SPEC's result shape; ``training_targets`` turns them
into the ``y`` a model's ``fit`` takes, and every model's ``prelabels`` answers in that shape
again, so the backend never needs to know which model serves which kind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .image_boxes import ImageBoxDetector
from .image_classification import ImageClassifier
from .text_classification import TextClassifier
from .text_spans import TextSpanTagger

MODELS: dict[str, type[Any]] = {
    TextClassifier.kind: TextClassifier,
    TextSpanTagger.kind: TextSpanTagger,
    ImageClassifier.kind: ImageClassifier,
    ImageBoxDetector.kind: ImageBoxDetector,
}
INPUTS = {
    "text_classification": "text",
    "text_spans": "text",
    "image_classification": "image",
    "image_boxes": "image",
}


def new_model(kind: str, **params: Any) -> Any:
    """An unfitted built-in model for ``kind`` (hyperparameters as keyword arguments)."""
    if kind not in MODELS:
        raise ValueError(f"no built-in model for kind {kind!r}; kinds: {sorted(MODELS)}")
    return MODELS[kind](**params)


def training_targets(kind: str, results: Sequence[Mapping[str, Any]]) -> list[Any]:
    """``y`` for ``fit`` from final results: labels, span lists or box lists."""
    if kind in ("text_classification", "image_classification"):
        return [str(r["label"]) for r in results]
    if kind == "text_spans":
        return [list(r.get("spans", [])) for r in results]
    if kind == "image_boxes":
        return [list(r.get("boxes", [])) for r in results]
    raise ValueError(f"unknown project kind {kind!r}")
