"""A project's annotations for a recompute, as columns: the table the consensus kinds work on.

The rows are read by the domain that owns them (``backend.assignments.answers_query``, straight
from the driver into NumPy arrays); here they become an ``AnswerTable``. Kinds whose answer is one
label (classification) read just that label and get integer codes into a vocabulary; the other
kinds (boxes, spans) get the parsed results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlmodel import Session

from backend.assignments.answers_query import answer_columns


@dataclass
class AnswerTable:
    """A project's annotations in annotation id order, one array per column.

    ``label`` holds codes into ``vocab`` when the kind reads one label per answer (``vocab``
    starts with the project's labels, then any other label found, sorted); ``results`` holds
    the whole results otherwise.
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
            results=None if self.results is None else [self.results[i] for i in index.tolist()],
        )

    def result(self, row: int) -> dict[str, Any]:
        if self.results is not None:
            return self.results[row]
        assert self.label is not None
        return {"label": self.vocab[int(self.label[row])]}


def load_answers(
    *,
    session: Session,
    project_id: int,
    label_field: str | None,
    labels: Sequence[str],
    gold_labels: Sequence[Any] = (),
) -> AnswerTable:
    """Every annotation of the project; ``label_field``: read only that key of each result.

    ``gold_labels`` (the known answers' labels) join the vocabulary, so that a label only a gold
    answer uses sorts among the other extra labels as it would by name.
    """
    columns = answer_columns(
        session=session, project_id=project_id, field=label_field, labels=labels
    )
    label_codes, vocab, results = None, list(labels), None
    if columns.positions is not None:  # coded among the project's labels already
        label_codes = columns.positions
        _, vocab = encode_labels((), labels, gold_labels)
    elif label_field:
        label_codes, vocab = encode_labels(columns.values, labels, gold_labels)
    else:
        results = list(columns.values)
    return AnswerTable(
        item=columns.item,
        annotator=columns.annotator,
        is_gold=columns.is_gold,
        gold_score=columns.gold_score,
        label=label_codes,
        vocab=vocab,
        results=results,
    )


def encode_labels(
    values: Sequence[Any], labels: Sequence[str], more: Sequence[Any] = ()
) -> tuple[NDArray[np.intp], list[str]]:
    """Codes of ``values`` in a vocabulary: the project's labels, then the others (from
    ``values`` and ``more``) sorted."""
    vocab = list(labels)
    index = {label: k for k, label in enumerate(vocab)}
    extra = sorted({v for v in {*values, *more} if v not in index}, key=_sort_key)
    for value in extra:
        index[value] = len(vocab)
        vocab.append(value)
    codes = np.fromiter((index[v] for v in values), dtype=np.intp, count=len(values))
    return codes, vocab


def _sort_key(value: Any) -> tuple[int, str]:
    return (value is None, "" if value is None else str(value))
