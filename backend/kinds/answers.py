"""A project's answers as columns: what every consensus strategy reads.

Pure NumPy, so kinds can read it without importing ``backend.consensus`` (which loads it from the
database and calls the strategies: consensus reads kinds, never the reverse).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray


@dataclass
class AnswerTable:
    """A project's annotations in annotation id order, one array per column.

    ``label`` holds codes into ``vocab`` when the kind reads one label per answer (``vocab``
    starts with the project's labels, then any other label found, sorted); ``results`` holds
    the whole results otherwise — read from the database, a lazy sequence parsed on first read
    whose ``texts`` are the stored JSON (``backend.assignments.answers_query.JsonResults``).
    """

    item: NDArray[np.int64]
    annotator: NDArray[np.int64]
    is_gold: NDArray[np.bool_]
    gold_score: NDArray[np.float64]  # NaN where none was stored
    label: NDArray[np.intp] | None
    vocab: list[str]
    results: list[dict[str, Any]] | None

    def __len__(self) -> int:
        return len(self.item)

    def take(self, rows: NDArray[Any]) -> AnswerTable:
        """The answers at ``rows`` (indices or a mask), in the same order."""
        index = np.flatnonzero(rows) if rows.dtype == np.bool_ else rows
        return AnswerTable(
            item=self.item[index],
            annotator=self.annotator[index],
            is_gold=self.is_gold[index],
            gold_score=self.gold_score[index],
            label=None if self.label is None else self.label[index],
            vocab=self.vocab,
            results=None if self.results is None else _take(self.results, index),
        )


def _take(results: Any, index: NDArray[Any]) -> Any:
    """The results at ``index``; a lazy sequence (``take``: ``JsonResults``) stays lazy."""
    take = getattr(results, "take", None)
    if take is not None:
        return take(index)
    return [results[i] for i in index.tolist()]
