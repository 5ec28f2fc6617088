"""Entity spans in a text: Unicode code-point offsets, end exclusive.

Python's ``str`` indexes code points, so ``text[start:end]`` is the span in Chinese as in English;
browsers count UTF-16 units and convert before they submit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.kinds.base import ItemShape, ResultInvalid, check_label, parse_strict

MAX_SPANS = 2000


class Span(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1, max_length=64)
    start: int = Field(ge=0)
    end: int = Field(ge=1)


class SpansResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    spans: list[Span] = Field(max_length=MAX_SPANS)


class TextSpansKind:
    name = "text_spans"
    media: Literal["text"] = "text"

    def validate(self, result: Any, *, labels: Iterable[str], item: ItemShape) -> dict[str, Any]:
        parsed = parse_strict(SpansResult, result)
        labels = set(labels)
        length = item.length()
        seen: set[tuple[str, int, int]] = set()
        for i, span in enumerate(parsed.spans):
            check_label(span.label, labels, ("spans", i, "label"))
            if span.end <= span.start:
                raise ResultInvalid(("spans", i, "end"), "end must be greater than start")
            if length is not None and span.end > length:
                raise ResultInvalid(
                    ("spans", i, "end"), f"span ends at {span.end}, past the text length {length}"
                )
            key = (span.label, span.start, span.end)
            if key in seen:
                raise ResultInvalid(("spans", i), "the same span is given twice")
            seen.add(key)
        return parsed.model_dump()


TEXT_SPANS = TextSpansKind()
