"""Entity spans in a text: Unicode code-point offsets, end exclusive.

``{"spans": [{"label": "PART", "start": 3, "end": 8}]}``; an empty list is a valid answer. Python's
``str`` indexes code points, so ``text[start:end]`` is the span in Chinese as in English; browsers
count UTF-16 units and convert before they submit.

Consensus is a weighted vote per code point (``quality.spans.consensus_spans``), the annotators
weighted by their estimated gold accuracy (unknown annotators at the crowd's prior). A text's
confidence is the probability that its consensus spans are right, from each answer's exact span
F1 against them and its annotator's accuracy (``backend.kinds.marks.calibrated_confidence``).
Agreement is pairwise span F1, exact and overlapping, over texts with two or more annotators,
overall and per label. A gold answer scores the same exact F1 against the known spans; the
exports' fallback keeps the spans a strict majority gave exactly (``quality.spans.majority_spans``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from backend.kinds.answers import AnswerTable
from backend.kinds.kind import Kind, Vote
from backend.kinds.marks import (
    MarksConsensus,
    majority_vote,
    marks_labels,
    marks_pattern,
    per_label,
)
from backend.kinds.models import built_in_model
from backend.kinds.relabel import relabel_result
from backend.kinds.results import ItemShape, ResultInvalid, check_label, parse_strict
from quality import spans

MAX_SPANS = 2000


class Span(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1, max_length=64)
    start: int = Field(ge=0)
    end: int = Field(ge=1)


class SpansResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    spans: list[Span] = Field(max_length=MAX_SPANS)


def validate_spans(result: Any, *, labels: Iterable[str], item: ItemShape) -> dict[str, Any]:
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


SPAN_FIELDS = ("label", "start", "end")


class SpansConsensus(MarksConsensus):
    method = "weighted_code_point_vote"
    needs_text = True
    label_field = None
    field = "spans"

    def combine(
        self, marks: Mapping[int, list[dict[str, Any]]], weights: Mapping[int, float], text: Any
    ) -> list[dict[str, Any]]:
        voted = spans.consensus_spans(marks, weights, text=text)
        return [{k: span[k] for k in SPAN_FIELDS} for span in voted]

    def agreement(self, answers: AnswerTable, *, labels: Sequence[str]) -> dict[str, Any]:
        grouped = [g for g in self.group(answers).values() if len(g) >= 2]
        if not grouped:
            return {"items_with_2plus": 0}
        exact = [spans.pairwise_span_f1(g) for g in grouped]
        return {
            "items_with_2plus": len(grouped),
            "pairwise_f1_exact": float(np.mean(exact)),
            "pairwise_f1_overlap": float(
                np.mean([spans.pairwise_span_f1(g, mode="overlap") for g in grouped])
            ),
            "per_label": per_label(grouped, exact, labels, spans.pairwise_span_f1),
        }

    def match(self, result: dict[str, Any], reference: dict[str, Any]) -> float:
        return float(spans.span_f1(result["spans"], reference["spans"]))


def spans_vote(results: Sequence[dict[str, Any]]) -> Vote:
    kept = spans.majority_spans([r["spans"] for r in results])
    return majority_vote("spans", kept, any(r["spans"] for r in results))


SPANS = SpansConsensus()
TEXT_SPANS = Kind(
    name="text_spans",
    media="text",
    validate=validate_spans,
    gold_score=SPANS.match,
    consensus=SPANS,
    fallback_vote=spans_vote,
    labels_of=marks_labels("spans"),
    label_pattern=marks_pattern("spans"),
    formats=("conll", "spacy", "raw_jsonl"),
    tool="spans",
    rename_label=relabel_result,  # a merge keeps identical spans once (spans refuse duplicates)
    result_model=SpansResult,
    example={"spans": [{"label": "PART", "start": 3, "end": 8}]},
    # three folds: the per-character tagger is the slowest text model to fit
    model=built_in_model("text_spans", folds=3),
    paid_marks=("spans", "per_span"),
)
