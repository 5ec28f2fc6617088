"""Turning (task, worker, label) triples into integer index arrays.

Every estimator in :mod:`quality` works on dense integer codes so that the heavy lifting is done
by ``np.bincount`` and sparse matrix products instead of per-row Python. This module is the one
place where arbitrary hashable ids and labels are mapped to codes and back.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
from numpy.typing import NDArray

Answers = Iterable[tuple[Hashable, Hashable, Hashable]] | NDArray[Any]
"""(task, worker, label) triples, or a 2-D array with three columns."""


def is_missing(value: object) -> bool:
    """None and NaN mean "no answer" everywhere in :mod:`quality`."""
    if value is None:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    return False


def factorize(values: Sequence[Any] | NDArray[Any]) -> tuple[NDArray[np.intp], list[Any]]:
    """Integer codes and the distinct values, sorted when comparable (else first appearance).

    A column of integers is coded without a Python loop (``bincount`` when the range is small,
    ``np.unique`` otherwise); strings and anything else (tuples, mixed types) go through one
    dictionary pass, which is several times faster than ``np.unique`` on a string array, and
    only the distinct values are sorted. The distinct values are returned as Python objects of
    the caller's own types, so ``1`` and ``"1"`` stay different labels.
    """
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.intp), []
    if isinstance(values, np.ndarray):
        if values.dtype.kind in "iu":
            return _factorize_ints(values, None)
        if values.dtype.kind in "fUSb":
            uniq, inverse = np.unique(values, return_inverse=True)
            return inverse.reshape(-1).astype(np.intp, copy=False), uniq.tolist()
        values = values.tolist()
    kinds = set(map(type, values))
    if kinds == {int}:
        try:
            ints = np.fromiter(values, dtype=np.int64, count=n)
        except OverflowError:  # beyond 64 bits: the dictionary below copes
            pass
        else:
            return _factorize_ints(ints, int)
    mapping: dict[Any, int] = {}
    setdefault = mapping.setdefault
    codes = np.fromiter((setdefault(v, len(mapping)) for v in values), dtype=np.intp, count=n)
    uniques = list(mapping)
    try:
        order = sorted(range(len(uniques)), key=uniques.__getitem__)
    except TypeError:
        return codes, uniques
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    return rank[codes], [uniques[i] for i in order]


def _factorize_ints(
    arr: NDArray[np.integer[Any]], kind: type | None
) -> tuple[NDArray[np.intp], list[Any]]:
    """Codes of an integer array: ``bincount`` over a small range, else ``np.unique``."""
    low, high = int(arr.min()), int(arr.max())
    if high - low <= 4 * len(arr) + 1_000_000:
        shifted = arr - low if low else arr
        present = np.bincount(shifted) > 0
        uniq = np.flatnonzero(present) + low
        if present.all():  # already dense codes: no remapping needed
            codes = shifted.astype(np.intp, copy=False)
        else:
            codes = (np.cumsum(present) - 1)[shifted].astype(np.intp, copy=False)
    else:
        uniq, inverse = np.unique(arr, return_inverse=True)
        codes = inverse.reshape(-1).astype(np.intp, copy=False)
    values = uniq.tolist() if kind is int else uniq.astype(arr.dtype).tolist()
    return codes, values


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
    """The task, worker and label columns of the answers.

    A 3-column array is sliced, not copied. A list of triples made only of Python ints (the
    common case of database ids and integer labels) is turned into one integer array in a
    single C pass after one type check; other triples are split by three comprehensions.
    """
    if isinstance(answers, np.ndarray):
        if answers.ndim != 2 or (answers.size and answers.shape[1] != 3):
            if answers.size == 0:
                return (), (), ()
            raise ValueError("an answers array must have three columns: task, worker, label")
        return answers[:, 0], answers[:, 1], answers[:, 2]
    rows = answers if isinstance(answers, list | tuple) else list(answers)
    if not rows:
        return (), (), ()
    if set(map(len, rows)) != {3}:
        bad = next(row for row in rows if len(row) != 3)
        raise ValueError(f"an answer must be a (task, worker, label) triple, got {bad!r}")
    if set(map(type, chain.from_iterable(rows))) == {int}:
        try:
            flat = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=3 * len(rows))
        except OverflowError:  # ids beyond 64 bits: the generic path copes
            pass
        else:
            arr = flat.reshape(-1, 3)
            return arr[:, 0], arr[:, 1], arr[:, 2]
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def _take(column: Any, idx: NDArray[np.intp]) -> Any:
    return column[idx] if isinstance(column, np.ndarray) else [column[i] for i in idx]


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
        tasks, workers, labels = (_take(column, idx) for column in (tasks, workers, labels))
        l_codes, seen = factorize(labels)
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
    if len(l_codes) and not np.array_equal(remap, np.arange(len(remap))):
        l_codes = remap[l_codes]
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
                gold_v.append(float(value))
    return (
        t_codes,
        w_codes,
        values,
        items,
        annotators,
        np.asarray(gold_t, dtype=np.intp),
        np.asarray(gold_v, dtype=np.float64),
    )
