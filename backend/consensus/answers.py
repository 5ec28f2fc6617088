"""A project's annotations for a recompute, as columns: the table the consensus kinds work on.

The rows are read by the domain that owns them (``backend.assignments.answers_query``, straight
from the driver into NumPy arrays); here they become an ``AnswerTable``. Kinds whose answer is one
label (classification) read just that label and get integer codes into a vocabulary; the other
kinds (boxes, spans) get the parsed results.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlmodel import Session

from backend.assignments.answers_query import answer_columns
from backend.kinds.answers import AnswerTable


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
        # kept as given: a lazy ``JsonResults`` is parsed only where a kind reads the dicts
        results = columns.values
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
