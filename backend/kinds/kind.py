"""A project kind: everything the platform knows about one kind of annotation, in one object.

The domains read a kind and nothing else about it: items and assignments validate results with
it, assignments score gold answers with it, consensus calls its strategy, exports ask it for the
formats it supports, its labels and the vote for items without consensus, and the browser asks
``GET /kinds`` for its media, tool and formats. A kind never imports those domains (it reads
``quality/`` for geometry and statistics), so a new kind is one module, its geometry in
``quality/``, its tool in ``labeling_ui/js/tools/`` and one registry line — or, from outside the
package, one ``register_kind`` call.

Room for the next release: each later feature of a kind is one more keyword field with a default
(issue 21's model predictions, issue 22's OK/NG flag), so no existing kind changes with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel

from backend.kinds.consensus import ConsensusStrategy
from backend.kinds.models import BuiltInModel
from backend.kinds.relabel import relabel_result
from backend.kinds.results import ItemShape

Media = Literal["image", "text"]
MEDIA: tuple[Media, ...] = ("image", "text")
# A kind's name is stored in ``projects.kind`` (32 characters) and names CSS classes in the UI.
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_TOOL = re.compile(r"^[a-z][a-z0-9_]*$")


class Validate(Protocol):
    def __call__(self, result: Any, *, labels: Iterable[str], item: ItemShape) -> dict[str, Any]:
        """The normalised result, or ``ResultInvalid`` naming the field inside it."""
        ...


@dataclass(frozen=True)
class Vote:
    """The exports' plain vote for an item without consensus: result, confidence, agreement."""

    result: dict[str, Any]
    confidence: float
    agreement: float


@dataclass(frozen=True, kw_only=True)
class Kind:
    name: str
    media: Media
    # The normalised result, or ResultInvalid: answers, gold answers and prelabels alike.
    validate: Validate
    # How far an answer agrees with a gold item's known answer, from 0 to 1 (1: all matched).
    gold_score: Callable[[dict[str, Any], dict[str, Any]], float]
    # Consensus, agreement and match scores for the recompute.
    consensus: ConsensusStrategy
    # The exports' floor for an item the quality workers have no consensus for yet.
    fallback_vote: Callable[[Sequence[dict[str, Any]]], Vote]
    # Every label occurrence of a result (None: no result): strata of splits, per-label counts.
    labels_of: Callable[[dict[str, Any] | None], list[str]]
    # The export formats that hold this kind, by name (backend.exports.formats), preferred first.
    formats: tuple[str, ...]
    # The browser's tool: labeling_ui/js/tools/tool_<tool>.js.
    tool: str
    # Results in pixels of the image: an item whose size is unknown cannot be exported.
    needs_image_size: bool = False
    # A stored result with a label renamed (``new``) or dropped (``new`` None): answers, gold,
    # prelabels and consensus alike (``backend/labels``). The same object when the label does not
    # occur; None when the result cannot exist without it (``backend/kinds/relabel.py``).
    rename_label: Callable[[dict[str, Any], str, str | None], dict[str, Any] | None] = (
        relabel_result
    )
    # The result's shape for the API reference (``backend/kinds/openapi.py``): its Pydantic model
    # and one valid example (checked against ``validate`` by the tests). None: a free JSON object.
    result_model: type[BaseModel] | None = None
    example: dict[str, Any] | None = None
    # The smallest result that holds ``label`` (e.g. ``{"boxes": [{"label": label}]}``): a result
    # holds the label exactly when it contains this JSON (PostgreSQL's ``@>``). The data manager
    # filters consensus by label with it; None: this kind cannot be filtered by label.
    label_pattern: Callable[[str], dict[str, Any]] | None = None
    # The built-in model trained on final answers for pre-labels and ordering (issue 21);
    # None: only an outside model can pre-label this kind.
    model: BuiltInModel | None = None
    # Pay per mark (issue 20): the result's key that holds the marks and the project's rate for
    # each (``("boxes", "per_box")``); None: this kind is paid per item only.
    paid_marks: tuple[str, str] | None = None
    # Whether an outside model may answer a point clicked on the image with marks of this kind
    # (``POST /items/{id}/suggest``, issue 21): image kinds whose answer is a set of marks.
    point_prompts: bool = False

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"a kind's name is 1-32 of a-z, 0-9 and _, not {self.name!r}")
        if self.media not in MEDIA:
            raise ValueError(f"a kind labels one of {MEDIA}, not {self.media!r}")
        if not _TOOL.match(self.tool):
            raise ValueError(f"a tool's name is a-z, 0-9 and _, not {self.tool!r}")
        if not self.formats:
            raise ValueError(f"the kind {self.name!r} names no export format")
