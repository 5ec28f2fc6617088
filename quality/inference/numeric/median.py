"""Median of the answers."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .._numeric_base import NumericAggregator


def grouped_median(
    tasks: NDArray[np.intp], values: NDArray[np.float64], n_tasks: int
) -> NDArray[np.float64]:
    """Median per task without a Python loop: sort by (task, value), pick the middle(s)."""
    order = np.lexsort((values, tasks))
    v = values[order]
    n = np.bincount(tasks, minlength=n_tasks)
    start = np.concatenate([[0], np.cumsum(n)[:-1]])
    lo = start + (n - 1) // 2
    hi = start + n // 2
    out = np.full(n_tasks, np.nan)
    has = n > 0
    out[has] = (v[lo[has]] + v[hi[has]]) / 2
    return out


class MedianAggregator(NumericAggregator):
    """Each item's value is the median of its answers.

    Why: one careless or malicious answer cannot move it (breakdown point 50%), which matters
    with few answers per item. Reference: the median as a robust aggregate, compared on crowd
    data by Zheng et al., "Truth Inference in Crowdsourcing: Is the Problem Solved?", PVLDB
    10(5):541-552, 2017, https://doi.org/10.14778/3055540.3055547.

    Example:
        >>> from quality.inference import MedianAggregator
        >>> MedianAggregator().fit([("t", "a", 1.0), ("t", "b", 2.0), ("t", "c", 90.0)]).labels_
        [2.0]
    """

    def _estimate(
        self,
        tasks: NDArray[np.intp],
        workers: NDArray[np.intp],
        values: NDArray[np.float64],
        n_tasks: int,
        n_workers: int,
        gold_t: NDArray[np.intp],
        gold_v: NDArray[np.float64],
    ) -> NDArray[np.float64]:
        out = grouped_median(tasks, values, n_tasks)
        out[gold_t] = gold_v
        return out
