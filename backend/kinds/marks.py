"""What kinds whose results are lists of labelled marks (boxes, spans) share.

Consensus per item is one ``combine`` of the annotators' marks; its confidence the probability
that it is right, from each answer's ``match`` against it and its annotator's accuracy;
agreement figures are per item and per label; the exports' fallback keeps the marks a strict
majority of the answers gave.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backend.kinds.answers import AnswerTable
from backend.kinds.consensus import Inferred
from backend.kinds.kind import Vote
from quality import confidence as calibration

Marks = Mapping[int, list[dict[str, Any]]]  # annotator -> their marks on one item


class MarksConsensus:
    """Kinds whose results are lists of marks (boxes, spans): consensus per item from one
    ``combine`` of the annotators' marks, confidence from each answer's ``match`` against it
    and its annotator's accuracy, and ``scores``/``confusions`` from the same ``match``."""

    field: str  # the list in the result: "boxes" or "spans"

    def match(self, result: dict[str, Any], reference: dict[str, Any]) -> float:
        raise NotImplementedError

    def combine(
        self, marks: Mapping[int, list[dict[str, Any]]], weights: Mapping[int, float], text: Any
    ) -> list[dict[str, Any]]:
        """The consensus marks of one item from each annotator's marks."""
        raise NotImplementedError

    def group(self, answers: AnswerTable) -> dict[int, dict[int, list[dict[str, Any]]]]:
        """``{item: {annotator: marks}}``."""
        grouped: dict[int, dict[int, list[dict[str, Any]]]] = defaultdict(dict)
        assert answers.results is not None
        for item, user, result in zip(
            answers.item.tolist(), answers.annotator.tolist(), answers.results, strict=True
        ):
            grouped[item][user] = result[self.field]
        return grouped

    def infer(
        self,
        answers: AnswerTable,
        *,
        gold: Mapping[int, dict[str, Any]],
        labels: Sequence[str],
        weights: Mapping[int, float],
        texts: Mapping[int, str],
    ) -> Inferred:
        items, results, n = [], [], []
        own_scores: dict[tuple[int, int], float] = {}
        fused_by = fusion_weights(weights)
        for item_id, by_annotator in self.group(answers).items():
            result = {self.field: self.combine(by_annotator, fused_by, texts.get(item_id))}
            scores = [self.match({self.field: own}, result) for own in by_annotator.values()]
            items.append(item_id)
            results.append(result)
            n.append(len(by_annotator))
            for user, score in zip(by_annotator, scores, strict=True):
                own_scores[item_id, user] = float(score)
        keys = list(own_scores)
        confidence = calibrated_confidence(
            answer_item=np.asarray([k[0] for k in keys], dtype=np.int64),
            answer_user=[k[1] for k in keys],
            answer_score=np.asarray(list(own_scores.values()), dtype=np.float64),
            weights=weights,
        )
        return Inferred(
            item=np.asarray(items, dtype=np.int64),
            results=results,
            confidence=np.asarray([confidence[i] for i in items], dtype=np.float64),
            n=np.asarray(n, dtype=np.int64),
            own_scores=own_scores,
        )

    def scores(
        self,
        answers: AnswerTable,
        rows: NDArray[np.intp],
        reference: Inferred,
        ref_rows: NDArray[np.intp],
    ) -> NDArray[np.float64]:
        """``match`` of each answer ``rows[n]`` against the reference result ``ref_rows[n]``:
        the score inferring computed (``own_scores``) where there is one, the others (gold
        answers, paused annotators' answers) in one ``match_many``."""
        assert answers.results is not None
        known = reference.own_scores or {}
        items, users = answers.item.tolist(), answers.annotator.tolist()
        out = np.empty(len(rows))
        missing: list[int] = []
        for n, r in enumerate(rows.tolist()):
            score = known.get((items[r], users[r]))
            if score is None:
                missing.append(n)
            else:
                out[n] = score
        if missing:
            at = np.asarray(missing, dtype=np.intp)
            out[at] = self.match_many(
                [answers.results[r] for r in rows[at].tolist()],
                [reference.results[k] for k in ref_rows[at].tolist()],
            )
        return out

    def match_many(
        self, results: Sequence[dict[str, Any]], references: Sequence[dict[str, Any]]
    ) -> NDArray[np.float64]:
        """``match`` of each result against its reference; kinds with a batched form override."""
        return np.fromiter(
            (self.match(r, ref) for r, ref in zip(results, references, strict=True)),
            dtype=np.float64,
            count=len(results),
        )

    def confusions(
        self, answers: AnswerTable, consensus: Inferred, labels: Sequence[str]
    ) -> dict[int, dict[str, Any] | None]:
        return {}


def single_label(group: Marks) -> Any:
    """The one label every mark of the group carries, or None (no mark, or several labels)."""
    found = {m["label"] for ms in group.values() for m in ms}
    return next(iter(found)) if len(found) == 1 else None


def per_label(
    grouped: Sequence[Marks],
    whole: Sequence[float],
    labels: Sequence[str],
    figure: Callable[[Marks], float],
) -> dict[str, float | None]:
    """Per label, the mean ``figure`` of the items where it occurs, on that label's marks only.

    An item whose marks all carry the label keeps its overall figure (``whole``): filtering would
    change nothing, so it is not matched a second time.
    """
    single = [single_label(g) for g in grouped]
    out: dict[str, float | None] = {}
    for label in labels:
        figures = [
            overall
            if only == label
            else figure({u: [m for m in ms if m["label"] == label] for u, ms in g.items()})
            for g, overall, only in zip(grouped, whole, single, strict=True)
            if any(m["label"] == label for ms in g.values() for m in ms)
        ]
        out[label] = float(np.mean(figures)) if figures else None
    return out


def marks_labels(field: str) -> Callable[[dict[str, Any] | None], list[str]]:
    """``labels_of`` for results ``{field: [{"label": ...}, ...]}``."""

    def labels_of(result: dict[str, Any] | None) -> list[str]:
        return [m["label"] for m in result.get(field, ())] if result else []

    return labels_of


def marks_pattern(field: str) -> Callable[[str], dict[str, Any]]:
    """``label_pattern`` for results ``{field: [{"label": ...}, ...]}``."""

    def label_pattern(label: str) -> dict[str, Any]:
        return {field: [{"label": label}]}

    return label_pattern


def answer_accuracy(
    *,
    answer_item: NDArray[np.int64],
    answer_user: Sequence[int],
    answer_score: NDArray[np.float64],
    weights: Mapping[int, float],
) -> NDArray[np.float64]:
    """Each answer's annotator's estimated accuracy: from ``weights`` (gold records, unknown
    annotators at the crowd's prior); without any gold, the crowd's agreement with the consensus
    on items answered twice or more (Beta(1, 1)-smoothed; an upward-biased estimate, as each
    answer is part of what it is compared with)."""
    accuracy = np.fromiter(
        (weights.get(u, np.nan) for u in answer_user), dtype=np.float64, count=len(answer_user)
    )
    unknown = np.isnan(accuracy)
    if unknown.any():
        _, index, per_item = np.unique(answer_item, return_inverse=True, return_counts=True)
        multi = per_item[index.reshape(-1)] >= 2
        prior = (float(answer_score[multi].sum()) + 1.0) / (int(multi.sum()) + 2.0)
        accuracy[unknown] = prior
    return accuracy


def calibrated_confidence(
    *,
    answer_item: NDArray[np.int64],
    answer_user: Sequence[int],
    answer_score: NDArray[np.float64],
    weights: Mapping[int, float],
) -> dict[int, float]:
    """Per item, the probability that its consensus marks are right: each answer votes for them
    with the log-odds of its annotator's estimated accuracy (:func:`answer_accuracy`), scaled by
    how far it agrees (``quality.confidence.item_confidence``)."""
    if not len(answer_item):
        return {}
    accuracy = answer_accuracy(
        answer_item=answer_item,
        answer_user=answer_user,
        answer_score=answer_score,
        weights=weights,
    )
    items, confidence = calibration.item_confidence(answer_item, answer_score, accuracy)
    return dict(zip(items.tolist(), confidence.tolist(), strict=True))


def fusion_weights(weights: Mapping[int, float]) -> dict[int, float]:
    """Weights for fusing marks: the log-odds of each annotator's estimated accuracy, so that the
    fusion's quorum of half the weight is the weighted majority rule (Nitzan and Paroush 1982;
    ``quality.confidence.vote_weights``)."""
    users = list(weights)
    values = calibration.vote_weights([weights[u] for u in users])
    return dict(zip(users, values.tolist(), strict=True))


def majority_vote(
    field: str, kept: Sequence[tuple[dict[str, Any], float]], any_given: bool
) -> Vote:
    """The fallback ``Vote`` of the marks a majority kept, each with its support (share of the
    answers that gave it): confidence is the mean support, and an item where nobody gave any
    mark is full agreement on "nothing to label"."""
    support = [share for _, share in kept]
    confidence = sum(support) / len(support) if support else (0.0 if any_given else 1.0)
    return Vote({field: [mark for mark, _ in kept]}, confidence, confidence)


def last_answers(item: NDArray[np.int64], annotator: NDArray[np.int64]) -> NDArray[np.intp]:
    """Rows of each annotator's last answer to each item, in row order: what ``group`` keeps
    (a later answer of the same annotator replaces an earlier one), for batched agreement."""
    pairs = np.stack([item[::-1], annotator[::-1]], axis=1)
    _, first_from_end = np.unique(pairs, axis=0, return_index=True)
    return np.sort(len(item) - 1 - first_from_end)
