"""What a kind's result validation is written with: the error it raises, what it checks against.

A result is the annotation JSON the browser sends and the database stores verbatim. Each kind
validates structure with a strict Pydantic model, then the semantics that need the project and the
item (known labels, boxes inside the image, spans inside the text).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError


class ResultInvalid(ValueError):
    """A result that does not fit its kind; ``loc`` points inside the result."""

    def __init__(self, loc: Sequence[str | int], msg: str) -> None:
        super().__init__(msg)
        self.loc = tuple(loc)
        self.msg = msg

    def __str__(self) -> str:
        where = ".".join(str(p) for p in self.loc)
        return f"{where}: {self.msg}" if where else self.msg


@dataclass(frozen=True)
class ItemShape:
    """What a result is checked against: the image size or the text (only its length counts)."""

    width: int | None = None
    height: int | None = None
    text: str | None = None
    # Given instead of ``text`` where only the length is at hand (the submit memo keeps no text).
    text_length: int | None = None

    def length(self) -> int | None:
        """The text's length in characters (code points, as PostgreSQL's ``char_length``)."""
        return len(self.text) if self.text is not None else self.text_length


def parse_strict(model: type[BaseModel], result: Any) -> BaseModel:
    """Structural check with the first error turned into a ``ResultInvalid``."""
    if not isinstance(result, dict):
        raise ResultInvalid((), "a result must be a JSON object")
    try:
        return model.model_validate(result, strict=False)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ResultInvalid(error["loc"], error["msg"]) from None


def check_label(label: str, labels: Iterable[str], loc: Sequence[str | int]) -> None:
    known = set(labels)
    if label not in known:
        raise ResultInvalid(
            loc, f"unknown label {label!r}; the project's labels are {sorted(known)}"
        )
