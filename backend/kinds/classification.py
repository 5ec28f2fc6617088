"""Image and text classification: one label per item, ``{"label": "scratch"}``.

Consensus is a truth-inference method from ``quality.confidence`` (the project's, or the one its
gold chose, else Dawid-Skene; fitted without the gold, which judges the fit and recalibrates
its confidence: clamping 5 % gold changed other items' labels more often for the worse,
``tests/benchmarks/results/replay.md``), with calibrated confidence: the probability that the
label is right, also for an item with one answer (``quality.confidence.calibrated_posterior``).
Agreement is reported as percent agreement, Fleiss' kappa, Krippendorff's alpha (nominal) and, per
label, the specific agreement of Uebersax (1982), "A design-independent method for measuring the
reliability of psychiatric diagnosis", J. Psychiatric Research 17(4),
doi:10.1016/0022-3956(82)90043-1. A gold answer scores 1 for the known label, else 0; the
exports' fallback is a plain majority vote (``quality.inference.MajorityVote``: ties to the first
label in name order).

Everything works on label codes (``AnswerTable.label``): the estimator gets one integer array,
and matching, confusion matrices and agreement tables are array operations, not loops per answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from backend.kinds.answers import AnswerTable
from backend.kinds.consensus import Inferred, empty_inferred
from backend.kinds.kind import Kind, Vote
from backend.kinds.models import built_in_model
from backend.kinds.relabel import relabel_result
from backend.kinds.results import ItemShape, check_label, parse_strict
from quality import agreement, confidence, inference


class ClassResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1, max_length=64)


def validate_label(result: Any, *, labels: Iterable[str], item: ItemShape) -> dict[str, Any]:
    parsed = parse_strict(ClassResult, result)
    check_label(parsed.label, labels, ("label",))
    return parsed.model_dump()


class ClassesConsensus:
    method = confidence.DEFAULT
    methods = tuple(confidence.METHODS)  # what a project may choose, or its gold chooses
    needs_text = False
    label_field = "label"

    def infer(
        self,
        answers: AnswerTable,
        *,
        gold: Mapping[int, dict[str, Any]],
        labels: Sequence[str],
        weights: Mapping[int, float],
        texts: Mapping[int, str],
        method: str = confidence.DEFAULT,
        max_answers: int | None = None,
    ) -> Inferred:
        """``method`` fitted without the gold (annotator weights are learnt by the model itself;
        the gold judges the fit and recalibrates its confidence when there is enough, and gold
        items keep their known answer: ``quality.confidence.infer_classes``); adaptive overlap
        stops on ``ClassConsensus.stop_confidence``: the gold-free confidence or, when larger,
        the probability that the answers an item may still get (up to ``max_answers``, the
        project's ``max_overlap``) would not change its label (``quality.confidence.stability``).

        The estimator sees codes instead of names: the project's labels are codes
        ``0..len(labels)-1`` and other labels follow in name order, so its classes, ties and
        figures are the same as with the names.
        """
        if not len(answers):
            return empty_inferred()
        triples, known = _coded(answers, gold)
        fit = confidence.infer_classes(
            triples,
            method=method,
            gold=known,
            classes=list(range(len(labels))),
            max_answers=max_answers,
        )
        items, counts = np.unique(answers.item, return_counts=True)
        assert len(items) == len(fit.items)
        codes = np.asarray(fit.classes, dtype=np.intp)[fit.label]
        return Inferred(
            item=items.astype(np.int64),
            results=[{"label": answers.vocab[c]} for c in codes.tolist()],
            confidence=fit.confidence,
            n=counts.astype(np.int64),
            label=codes,
            stop_confidence=fit.stop_confidence,
        )

    def choose_method(
        self,
        answers: AnswerTable,
        *,
        gold: Mapping[int, dict[str, Any]],
        labels: Sequence[str],
        candidates: Sequence[str],
    ) -> confidence.MethodChoice:
        """Each candidate's cross-validated accuracy on the gold items (held out of each fit)."""
        triples, known = _coded(answers, gold)
        return confidence.choose_by_gold(
            triples, known, candidates=candidates, classes=list(range(len(labels)))
        )

    def agreement(self, answers: AnswerTable, *, labels: Sequence[str]) -> dict[str, Any]:
        if not len(answers):
            return {}
        assert answers.label is not None
        n_labels = len(labels)
        known = answers.label < n_labels  # a label the project no longer has is left out
        item_ids, codes = answers.item[known], answers.label[known]
        if not len(item_ids):
            return {}
        items, item_index = np.unique(item_ids, return_inverse=True)
        counts = (
            np.bincount(item_index * n_labels + codes, minlength=len(items) * n_labels)
            .reshape(len(items), n_labels)
            .astype(np.float64)
        )
        # Percent agreement and Krippendorff's alpha depend only on the answers each item got,
        # not on who gave them: a table of answer slots × items (the k-th answer of each item
        # in row k) gives them the same per-item counts as annotators × items, in far less
        # memory than one row per annotator.
        ratings = _slots(item_index, codes, len(items))
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
            for k, label in enumerate(labels)
        }
        return figures

    def match(self, result: dict[str, Any], reference: dict[str, Any]) -> float:
        return 1.0 if result.get("label") == reference.get("label") else 0.0

    def scores(
        self,
        answers: AnswerTable,
        rows: NDArray[np.intp],
        reference: Inferred,
        ref_rows: NDArray[np.intp],
    ) -> NDArray[np.float64]:
        assert answers.label is not None and reference.label is not None
        return (answers.label[rows] == reference.label[ref_rows]).astype(np.float64)

    def confusions(
        self, answers: AnswerTable, consensus: Inferred, labels: Sequence[str]
    ) -> dict[int, dict[str, Any] | None]:
        """Per annotator, rows: the consensus label; columns: what this annotator answered."""
        assert answers.label is not None and consensus.label is not None
        k = len(labels)
        users, user_index = np.unique(answers.annotator, return_inverse=True)
        at = consensus.positions(answers.item)
        found = at >= 0  # indexing only found rows: a consensus may be empty (all paused)
        truth = np.full(len(at), k, dtype=np.int64)
        truth[found] = consensus.label[at[found]]
        keep = found & (truth < k) & (answers.label < k)
        flat = (user_index[keep] * k + truth[keep]) * k + answers.label[keep]
        cube = np.bincount(flat, minlength=len(users) * k * k).reshape(len(users), k, k)
        return {
            int(user): {"labels": list(labels), "matrix": cube[j].tolist()}
            for j, user in enumerate(users.tolist())
        }


def _coded(
    answers: AnswerTable, gold: Mapping[int, dict[str, Any]]
) -> tuple[NDArray[np.int64], dict[int, int]]:
    """(item, annotator, label code) rows and the gold as codes of the answers' vocabulary."""
    assert answers.label is not None
    index = {name: k for k, name in enumerate(answers.vocab)}
    triples = np.column_stack([answers.item, answers.annotator, answers.label.astype(np.int64)])
    known = {item: index[a["label"]] for item, a in gold.items() if a.get("label") in index}
    return triples, known


def _slots(item_index: NDArray[np.intp], codes: NDArray[np.intp], n_items: int) -> NDArray[Any]:
    """answer slots × items: the k-th answer (in answer order) of item i in row k, NaN if none."""
    order = np.argsort(item_index, kind="stable")
    sorted_items = item_index[order]
    starts = np.searchsorted(sorted_items, np.arange(n_items))
    slot = np.arange(len(order)) - starts[sorted_items]
    ratings = np.full((int(slot.max()) + 1, n_items), np.nan)
    ratings[slot, sorted_items] = codes[order]
    return ratings


def _safe(compute: Any) -> float | None:
    """A figure, or None where it is undefined (one annotator, one label everywhere, …)."""
    try:
        value = float(compute())
    except (ValueError, ZeroDivisionError, FloatingPointError):
        return None
    return value if np.isfinite(value) else None


def label_vote(results: Sequence[dict[str, Any]]) -> Vote:
    """The most frequent label; confidence and agreement are its share of the answers."""
    label, share = _plurality(tuple(sorted(r["label"] for r in results)))
    return Vote({"label": label}, share, share)


@lru_cache(maxsize=4096)
def _plurality(labels: tuple[str, ...]) -> tuple[str, float]:
    """A plain vote depends on the answers' counts only, so items answered alike (the same
    labels, in any order) share one fit: an export votes on thousands of them."""
    vote = inference.MajorityVote().fit([(0, n, label) for n, label in enumerate(labels)])
    return vote.labels_[0], float(vote.probas_[0].max())


def label_of(result: dict[str, Any] | None) -> list[str]:
    return [str(result["label"])] if result else []


def label_pattern(label: str) -> dict[str, Any]:
    return {"label": label}


CLASSES = ClassesConsensus()
IMAGE_CLASSIFICATION = Kind(
    name="image_classification",
    media="image",
    validate=validate_label,
    gold_score=CLASSES.match,
    consensus=CLASSES,
    fallback_vote=label_vote,
    labels_of=label_of,
    label_pattern=label_pattern,
    formats=("folders", "csv", "raw_jsonl"),
    tool="image_class",
    rename_label=relabel_result,
    result_model=ClassResult,
    example={"label": "scratch"},
    # features computed once per image, reused by every fold
    model=built_in_model("image_classification", fit_on_features=True),
)
# The same kind on texts: only what is shown and what it exports differ.
TEXT_CLASSIFICATION = replace(
    IMAGE_CLASSIFICATION,
    name="text_classification",
    media="text",
    formats=("jsonl", "csv", "raw_jsonl"),
    tool="text_class",
    example={"label": "electrical_fault"},
    model=built_in_model("text_classification"),
)
