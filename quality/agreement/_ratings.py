"""Ratings tables (annotators × items, None/NaN = no answer) as integer codes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._data import is_missing, sort_if_possible

Ratings = Sequence[Sequence[Any]] | NDArray[Any]


def encode_ratings(ratings: Ratings) -> tuple[NDArray[np.intp], list[Any]]:
    """Codes (annotators × items, -1 = missing) and the sorted distinct values."""
    if isinstance(ratings, np.ndarray) and ratings.dtype.kind in "iufb":
        arr = np.asarray(ratings, dtype=float)
        if arr.ndim != 2:
            raise ValueError("ratings must be a 2-D table: annotators × items")
        present = ~np.isnan(arr)
        distinct = np.unique(arr[present])
        numeric_codes: NDArray[np.intp] = np.full(arr.shape, -1, dtype=np.intp)
        numeric_codes[present] = np.searchsorted(distinct, arr[present])
        return numeric_codes, distinct.tolist()
    rows = [list(r) for r in ratings]
    if not rows:
        return np.zeros((0, 0), dtype=np.intp), []
    width = len(rows[0])
    if any(len(r) != width for r in rows):
        raise ValueError("every annotator's row must have one entry per item")
    seen = {v for r in rows for v in r if not is_missing(v)}
    values = sort_if_possible(list(seen))
    index = {v: k for k, v in enumerate(values)}
    codes: NDArray[np.intp] = np.asarray(
        [[(-1 if is_missing(v) else index[v]) for v in r] for r in rows], dtype=np.intp
    ).reshape(len(rows), width)
    return codes, values


def unit_value_counts(codes: NDArray[np.intp], n_values: int) -> NDArray[np.float64]:
    """items × values: how many annotators gave each value to each item."""
    n_items = codes.shape[1]
    item_idx = np.broadcast_to(np.arange(n_items), codes.shape)
    ok = codes >= 0
    flat = item_idx[ok] * n_values + codes[ok]
    counts = np.bincount(flat, minlength=n_items * n_values)
    return counts.reshape(n_items, n_values).astype(np.float64)
