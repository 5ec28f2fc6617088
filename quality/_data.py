"""Turning (task, worker, label) triples into integer index arrays.

Every estimator in :mod:`quality` works on dense integer codes so that the heavy lifting is done
by ``np.bincount`` and sparse matrix products instead of per-row Python. This module is the one
place where arbitrary hashable ids and labels are mapped to codes and back.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

Answers = Iterable[tuple[Hashable, Hashable, Hashable]] | NDArray[Any]
"""(task, worker, label) triples, or a 2-D array with three columns."""

_FAST_TYPES = (int, float, str, bool, np.integer, np.floating, np.str_)


def is_missing(value: object) -> bool:
    """None and NaN mean "no answer" everywhere in :mod:`quality`."""
    if value is None:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    return False


def factorize(values: Sequence[Any] | NDArray[Any]) -> tuple[NDArray[np.intp], list[Any]]:
    """Integer codes and the distinct values, sorted when comparable (else first appearance).

    A homogeneous column of numbers or strings is coded without a Python loop (``bincount`` for
    small non-negative integers, ``np.unique`` otherwise); anything else (tuples, mixed types)
    goes through a dictionary. The distinct values are returned as Python objects of the
    caller's own types, so ``1`` and ``"1"`` stay different labels.
    """
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.intp), []
    arr: NDArray[Any] | None = None
    if isinstance(values, np.ndarray) and values.dtype.kind in "iufUSb":
        arr = values
    else:
        kinds = {type(v) for v in values}
        if len(kinds) == 1 and issubclass(next(iter(kinds)), _FAST_TYPES):
            arr = np.asarray(values)
            if arr.dtype.kind not in "iufUSb":
                arr = None
    if arr is not None:
        if arr.dtype.kind in "iu" and n:
            low, high = int(arr.min()), int(arr.max())
            if high - low <= 4 * n + 1_000_000:
                shifted = arr - low if low else arr
                present = np.bincount(shifted) > 0
                uniq = (np.flatnonzero(present) + low).astype(arr.dtype)
                if present.all():  # already dense codes: no remapping needed
                    return shifted.astype(np.intp, copy=False), _python_values(uniq, values)
                rank = np.cumsum(present) - 1
                return rank[shifted].astype(np.intp, copy=False), _python_values(uniq, values)
        uniq, inverse = np.unique(arr, return_inverse=True)
        return inverse.reshape(-1).astype(np.intp, copy=False), _python_values(uniq, values)
    mapping: dict[Any, int] = {}
    codes = np.asarray([mapping.setdefault(v, len(mapping)) for v in values], dtype=np.intp)
    uniques = list(mapping)
    try:
        order = sorted(range(len(uniques)), key=uniques.__getitem__)
    except TypeError:
        return codes, uniques
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    return rank[codes], [uniques[i] for i in order]


def _python_values(uniq: NDArray[Any], original: Sequence[Any] | NDArray[Any]) -> list[Any]:
    """Distinct values as Python objects; keeps e.g. ``np.str_`` input as given."""
    values = uniq.tolist()
    if not isinstance(original, np.ndarray) and len(original):
        kind = type(original[0])
        if kind is not type(values[0]):
            values = [kind(v) for v in values]
    return values


def sort_if_possible(values: list[Any]) -> list[Any]:
    """Sorted when the values are comparable (so that ties break like crowd-kit), else as given."""
    try:
        return sorted(values)
    except TypeError:
        return list(values)


@dataclass
class Encoded:
    """Answers as index arrays. ``tasks[i], workers[i], labels[i]`` is the i-th answer."""

    tasks: NDArray[np.intp]
    workers: NDArray[np.intp]
    labels: NDArray[np.intp]
    items: list[Any]
    annotators: list[Any]
    classes: list[Any]
    gold_tasks: NDArray[np.intp]
    gold_labels: NDArray[np.intp]

    @property
    def n_tasks(self) -> int:
        return len(self.items)

    @property
    def n_workers(self) -> int:
        return len(self.annotators)

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def n_answers(self) -> int:
        return len(self.tasks)

    def vote_counts(self, weights: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
        """tasks × classes table of (weighted) answer counts; duplicates count every time."""
        flat = self.tasks * self.n_classes + self.labels
        counts = np.bincount(flat, weights=weights, minlength=self.n_tasks * self.n_classes)
        return counts.reshape(self.n_tasks, self.n_classes).astype(np.float64, copy=False)

    def clamp_gold(self, probas: NDArray[np.float64]) -> NDArray[np.float64]:
        """Known answers overwrite the posterior: one-hot on the gold label (in place)."""
        if len(self.gold_tasks):
            probas[self.gold_tasks] = 0.0
            probas[self.gold_tasks, self.gold_labels] = 1.0
        return probas


def _columns(answers: Answers) -> tuple[Any, Any, Any]:
    if isinstance(answers, np.ndarray):
        if answers.ndim != 2 or (answers.size and answers.shape[1] != 3):
            if answers.size == 0:
                return (), (), ()
            raise ValueError("an answers array must have three columns: task, worker, label")
        return answers[:, 0], answers[:, 1], answers[:, 2]
    rows = list(answers)
    if not rows:
        return (), (), ()
    for row in rows:
        if len(row) != 3:
            raise ValueError(f"an answer must be a (task, worker, label) triple, got {row!r}")
    tasks, workers, labels = zip(*rows, strict=True)
    return tasks, workers, labels


def encode(
    answers: Answers,
    gold: Mapping[Hashable, Hashable] | None = None,
    classes: Iterable[Hashable] | None = None,
) -> Encoded:
    """Encode answers (and gold) for an estimator.

    Answers whose label is None or NaN are dropped (no answer). Classes are the given ones, plus
    every label answered or used as gold, sorted when comparable. Gold entries for items nobody
    answered are ignored: estimators report answered items only.
    """
    tasks, workers, labels = _columns(answers)
    l_codes, seen = factorize(labels)
    missing = [k for k, v in enumerate(seen) if is_missing(v)]
    if missing:
        keep = ~np.isin(l_codes, missing)
        idx = np.flatnonzero(keep)
        tasks = [tasks[i] for i in idx]
        workers = [workers[i] for i in idx]
        l_codes, seen = factorize([labels[i] for i in idx])
    t_codes, items = factorize(tasks)
    w_codes, annotators = factorize(workers)

    all_classes = list(classes) if classes is not None else []
    known = set(all_classes)
    extra = [c for c in seen if c not in known]
    gold_pairs: list[tuple[int, Any]] = []
    if gold:
        item_index = {item: i for i, item in enumerate(items)}
        for item, label in gold.items():
            if item in item_index and not is_missing(label):
                gold_pairs.append((item_index[item], label))
                if label not in known and label not in extra:
                    extra.append(label)
    if classes is None:
        all_classes = sort_if_possible(extra)
    else:
        all_classes += sort_if_possible(extra)
    class_index = {c: k for k, c in enumerate(all_classes)}
    remap = np.asarray([class_index[c] for c in seen], dtype=np.intp)
    l_codes = remap[l_codes] if len(l_codes) else l_codes
    gold_tasks = np.asarray([t for t, _ in gold_pairs], dtype=np.intp)
    gold_labels = np.asarray([class_index[g] for _, g in gold_pairs], dtype=np.intp)
    return Encoded(
        t_codes, w_codes, l_codes, items, annotators, all_classes, gold_tasks, gold_labels
    )


def encode_numeric(
    answers: Answers, gold: Mapping[Hashable, float] | None = None
) -> tuple[
    NDArray[np.intp],
    NDArray[np.intp],
    NDArray[np.float64],
    list[Any],
    list[Any],
    NDArray[np.intp],
    NDArray[np.float64],
]:
    """Numeric answers as (tasks, workers, values, items, annotators, gold tasks, gold values).

    None/NaN values are dropped; gold entries for unanswered items are ignored.
    """
    tasks, workers, labels = _columns(answers)
    values = np.asarray([np.nan if v is None else float(v) for v in labels], dtype=np.float64)
    keep = ~np.isnan(values)
    if not keep.all():
        idx = np.flatnonzero(keep)
        tasks = [tasks[i] for i in idx]
        workers = [workers[i] for i in idx]
        values = values[idx]
    t_codes, items = factorize(tasks)
    w_codes, annotators = factorize(workers)
    gold_t: list[int] = []
    gold_v: list[float] = []
    if gold:
        index = {item: i for i, item in enumerate(items)}
        for item, value in gold.items():
            if item in index and not is_missing(value):
                gold_t.append(index[item])
                gold_v.append(float(value))  # type: ignore[arg-type]
    return (
        t_codes,
        w_codes,
        values,
        items,
        annotators,
        np.asarray(gold_t, dtype=np.intp),
        np.asarray(gold_v, dtype=np.float64),
    )
