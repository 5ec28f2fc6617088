"""Fleiss' kappa for many annotators."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from ._ratings import Ratings, encode_ratings, unit_value_counts


def fleiss_kappa(counts: Sequence[Sequence[float]] | NDArray[np.float64]) -> float:
    """Fleiss' kappa from an items × categories table of answer counts.

    Why: chance-corrected agreement when every item was labelled by the same number of
    annotators, not necessarily the same people (J. L. Fleiss, "Measuring nominal scale agreement
    among many raters", Psychological Bulletin 76(5):378-382, 1971,
    https://doi.org/10.1037/h0031619). Same formula and figure as
    ``statsmodels.stats.inter_rater.fleiss_kappa`` (method "fleiss"): the number of annotators
    is taken from the fullest row. Use :func:`counts_table` to build the table from ratings.

    Example:
        >>> fleiss_kappa([[3, 0], [0, 3], [2, 1]])
        0.55
    """
    table = np.asarray(counts, dtype=np.float64)
    if table.ndim != 2 or table.size == 0:
        return float("nan")
    n_items = table.shape[0]
    n_raters = table.sum(axis=1).max()
    if n_raters < 2:
        return float("nan")
    p_cat = table.sum(axis=0) / (n_items * n_raters)
    p_item = ((table**2).sum(axis=1) - n_raters) / (n_raters * (n_raters - 1))
    p_mean = p_item.mean()
    p_expected = float((p_cat**2).sum())
    if p_expected == 1.0:
        return float("nan")
    return float((p_mean - p_expected) / (1 - p_expected))


def counts_table(ratings: Ratings) -> tuple[NDArray[np.float64], list[object]]:
    """items × categories counts from annotators × items ratings, and the categories."""
    codes, values = encode_ratings(ratings)
    return unit_value_counts(codes, len(values)), values
