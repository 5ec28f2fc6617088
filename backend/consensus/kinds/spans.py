"""Consensus and agreement for text spans (Chinese and English alike: code points).

Consensus is a weighted vote per code point (``quality.spans.consensus_spans``), the annotators
weighted by their smoothed gold accuracy. A text's confidence is the weighted mean exact span F1
of each annotator's answer against the consensus. Agreement is pairwise span F1, exact and
overlapping, over texts with two or more annotators, overall and per label.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from backend.consensus.answers import AnswerTable
from backend.consensus.kinds.base import ScoresByMatch
from quality import spans

SPAN_FIELDS = ("label", "start", "end")


class SpansConsensus(ScoresByMatch):
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
        single = [_single_label(g) for g in grouped]
        per_label = {}
        for label in labels:
            # a text whose spans all carry this label: its per-label figure is its overall one
            figures = [
                whole
                if only == label
                else spans.pairwise_span_f1(
                    {u: [s for s in ss if s["label"] == label] for u, ss in g.items()}
                )
                for g, whole, only in zip(grouped, exact, single, strict=True)
                if any(s["label"] == label for ss in g.values() for s in ss)
            ]
            per_label[label] = float(np.mean(figures)) if figures else None
        return {
            "items_with_2plus": len(grouped),
            "pairwise_f1_exact": float(np.mean(exact)),
            "pairwise_f1_overlap": float(
                np.mean([spans.pairwise_span_f1(g, mode="overlap") for g in grouped])
            ),
            "per_label": per_label,
        }

    def match(self, result: dict[str, Any], reference: dict[str, Any]) -> float:
        return float(spans.span_f1(result["spans"], reference["spans"]))


def _single_label(group: Mapping[int, list[dict[str, Any]]]) -> Any:
    """The one label every span of the group carries, or None (no span, or several labels)."""
    found = {s["label"] for ss in group.values() for s in ss}
    return next(iter(found)) if len(found) == 1 else None


SPANS = SpansConsensus()
