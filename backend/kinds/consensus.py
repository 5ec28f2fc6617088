"""A kind's consensus strategy: what the recompute asks of it, and the table it answers with.

``backend.consensus`` loads the answers (``AnswerTable``), calls the strategy of the project's kind
(``Kind.consensus``) and stores what it infers (``Inferred``); the strategy itself only computes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from backend.kinds.answers import AnswerTable


@dataclass
class Inferred:
    """Consensus per item, as columns: result, confidence, number of counted answers.

    ``label`` holds the code of each result's label in the answers' vocabulary for kinds that
    read one label per answer (so matching answers against it is an array comparison).
    """

    item: NDArray[np.int64]
    results: list[dict[str, Any]]
    confidence: NDArray[np.float64]
    n: NDArray[np.int64]
    label: NDArray[np.intp] | None = None
    # match() of each counted (item, annotator) answer against this consensus, where inferring
    # computed it anyway (boxes, spans): the annotator table reuses it.
    own_scores: dict[tuple[int, int], float] | None = None
    # what adaptive overlap compares with agreement_target where it differs from confidence
    # (classes with gold: the gold-free posterior, whether more answers would change the label)
    stop_confidence: NDArray[np.float64] | None = None

    @property
    def stopping(self) -> NDArray[np.float64]:
        """Per item, the confidence adaptive overlap stops on."""
        return self.confidence if self.stop_confidence is None else self.stop_confidence

    def __len__(self) -> int:
        return len(self.item)

    def take(self, index: NDArray[Any]) -> Inferred:
        index = np.flatnonzero(index) if index.dtype == np.bool_ else index
        return Inferred(
            item=self.item[index],
            results=_take_results(self.results, index),
            confidence=self.confidence[index],
            n=self.n[index],
            label=None if self.label is None else self.label[index],
            own_scores=_scores_of(self.own_scores, set(self.item[index].tolist())),
            stop_confidence=None if self.stop_confidence is None else self.stop_confidence[index],
        )

    def positions(self, items: NDArray[np.int64]) -> NDArray[np.intp]:
        """Row of each of ``items`` in this table, -1 where the item has no row."""
        if not len(self.item):
            return np.full(len(items), -1, dtype=np.intp)
        order = np.argsort(self.item, kind="stable")
        sorted_items = self.item[order]
        at = np.minimum(np.searchsorted(sorted_items, items), len(sorted_items) - 1)
        found = sorted_items[at] == items
        return np.where(found, order[at], -1).astype(np.intp)

    @staticmethod
    def concat(first: Inferred, second: Inferred) -> Inferred:
        label = None
        if first.label is not None and second.label is not None:
            label = np.concatenate([first.label, second.label])
        return Inferred(
            item=np.concatenate([first.item, second.item]),
            results=first.results + second.results,
            confidence=np.concatenate([first.confidence, second.confidence]),
            n=np.concatenate([first.n, second.n]),
            label=label,
            own_scores={**(first.own_scores or {}), **(second.own_scores or {})} or None,
            stop_confidence=(
                None
                if first.stop_confidence is None and second.stop_confidence is None
                else np.concatenate([first.stopping, second.stopping])
            ),
        )


def _take_results(results: Sequence[dict[str, Any]], index: NDArray[Any]) -> Any:
    """The results at ``index``; a lazy sequence of results (``take``, e.g. the polygons kind's
    ``ConsensusResults``) stays lazy."""
    take = getattr(results, "take", None)
    if take is not None:
        return take(index)
    return [results[i] for i in index.tolist()]


def _scores_of(
    scores: dict[tuple[int, int], float] | None, items: set[int]
) -> dict[tuple[int, int], float] | None:
    if scores is None:
        return None
    return {key: value for key, value in scores.items() if key[0] in items}


def empty_inferred() -> Inferred:
    return Inferred(
        item=np.zeros(0, dtype=np.int64),
        results=[],
        confidence=np.zeros(0),
        n=np.zeros(0, dtype=np.int64),
        label=np.zeros(0, dtype=np.intp),
    )


class ConsensusStrategy(Protocol):
    method: str
    needs_text: bool
    label_field: str | None  # the one key of a result that the kind reads, or None for all

    def infer(
        self,
        answers: AnswerTable,
        *,
        gold: Mapping[int, dict[str, Any]],
        labels: Sequence[str],
        weights: Mapping[int, float],
        texts: Mapping[int, str],
    ) -> Inferred:
        """Consensus per item from the counted answers (gold items keep their known answer)."""
        ...

    def agreement(self, answers: AnswerTable, *, labels: Sequence[str]) -> dict[str, Any]:
        """Inter-annotator agreement figures for the project (and per label)."""
        ...

    def match(self, result: dict[str, Any], reference: dict[str, Any]) -> float:
        """How far one result agrees with a reference, from 0 to 1."""
        ...

    def scores(
        self,
        answers: AnswerTable,
        rows: NDArray[np.intp],
        reference: Inferred,
        ref_rows: NDArray[np.intp],
    ) -> NDArray[np.float64]:
        """``match`` of the answers at ``rows`` against the reference results at ``ref_rows``."""
        ...

    def confusions(
        self, answers: AnswerTable, consensus: Inferred, labels: Sequence[str]
    ) -> dict[int, dict[str, Any] | None]:
        """Each annotator's confusion against the consensus, where the kind has one."""
        ...
