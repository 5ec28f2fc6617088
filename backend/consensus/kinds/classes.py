"""Consensus and agreement for image and text classification.

Consensus is the platform's default truth-inference method from ``quality`` (gold-anchored:
known answers are clamped and teach the annotator model). Agreement is reported as percent
agreement, Fleiss' kappa, Krippendorff's alpha (nominal) and, per label, the specific agreement of
Uebersax (1982), "A design-independent method for measuring the reliability of psychiatric
diagnosis", J. Psychiatric Research 17(4), doi:10.1016/0022-3956(82)90043-1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from backend.consensus.answers import Answer
from backend.consensus.kinds.base import ItemConsensus
from quality import agreement, inference


class ClassesConsensus:
    method = "dawid_skene"
    needs_text = False

    def infer(
        self,
        answers: Sequence[Answer],
        *,
        gold: Mapping[int, dict[str, Any]],
        labels: Sequence[str],
        weights: Mapping[int, float],
        texts: Mapping[int, str],
    ) -> dict[int, ItemConsensus]:
        """Gold-anchored Dawid-Skene; annotator weights are learnt by the model itself."""
        if not answers:
            return {}
        triples = [(a.item_id, a.annotator_id, a.result["label"]) for a in answers]
        known = {item: answer["label"] for item, answer in gold.items()}
        estimator = inference.default_estimator().fit(triples, gold=known, classes=list(labels))
        counts: dict[int, int] = {}
        for a in answers:
            counts[a.item_id] = counts.get(a.item_id, 0) + 1
        confidences = estimator.probas_.max(axis=1)
        return {
            item: ItemConsensus({"label": label}, float(conf), counts[item])
            for item, label, conf in zip(
                estimator.items_, estimator.labels_, confidences, strict=True
            )
        }

    def agreement(self, answers: Sequence[Answer], *, labels: Sequence[str]) -> dict[str, Any]:
        if not answers:
            return {}
        label_index = {label: k for k, label in enumerate(labels)}
        items = sorted({a.item_id for a in answers})
        annotators = sorted({a.annotator_id for a in answers})
        item_index = {item: i for i, item in enumerate(items)}
        annotator_index = {user: j for j, user in enumerate(annotators)}
        ratings = np.full((len(annotators), len(items)), np.nan)
        counts = np.zeros((len(items), len(labels)))
        for a in answers:
            k = label_index[a.result["label"]]
            ratings[annotator_index[a.annotator_id], item_index[a.item_id]] = k
            counts[item_index[a.item_id], k] += 1
        per_item = counts.sum(axis=1)
        multi = per_item >= 2
        figures: dict[str, Any] = {
            "items_with_2plus": int(multi.sum()),
            "percent_agreement": _safe(lambda: agreement.percent_agreement(ratings)),
            "krippendorff_alpha": _safe(
                lambda: agreement.krippendorff_alpha(ratings, level="nominal")
            ),
        }
        if multi.any():
            modal = int(np.bincount(per_item[multi].astype(int)).argmax())
            same = per_item == modal
            figures["fleiss_kappa"] = _safe(lambda: agreement.fleiss_kappa(counts[same]))
            figures["fleiss_items"] = int(same.sum())
        pairs_within = (counts * (counts - 1)).sum(axis=0)
        pairs_possible = (counts * (per_item[:, None] - 1)).sum(axis=0)
        figures["per_label"] = {
            label: (float(pairs_within[k] / pairs_possible[k]) if pairs_possible[k] else None)
            for label, k in label_index.items()
        }
        return figures

    def match(self, result: dict[str, Any], reference: dict[str, Any]) -> float:
        return 1.0 if result.get("label") == reference.get("label") else 0.0

    def confusion(
        self,
        own: Sequence[Answer],
        consensus: Mapping[int, ItemConsensus],
        labels: Sequence[str],
    ) -> dict[str, Any] | None:
        """Rows: the consensus label; columns: what this annotator answered."""
        index = {label: k for k, label in enumerate(labels)}
        matrix = [[0] * len(labels) for _ in labels]
        for answer in own:
            truth = consensus.get(answer.item_id)
            if truth is not None:
                matrix[index[truth.result["label"]]][index[answer.result["label"]]] += 1
        return {"labels": list(labels), "matrix": matrix}


def _safe(compute: Any) -> float | None:
    """A figure, or None where it is undefined (one annotator, one label everywhere, …)."""
    try:
        value = float(compute())
    except (ValueError, ZeroDivisionError, FloatingPointError):
        return None
    return value if np.isfinite(value) else None


CLASSES = ClassesConsensus()
