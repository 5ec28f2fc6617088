"""Cohen's kappa for two annotators, and the matrix over all pairs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._data import is_missing, sort_if_possible
from ._ratings import Ratings, encode_ratings


def _kappa_from_codes(
    a: NDArray[np.intp], b: NDArray[np.intp], n_values: int, weights: str | None
) -> float:
    confusion = np.bincount(a * n_values + b, minlength=n_values * n_values)
    confusion = confusion.reshape(n_values, n_values).astype(np.float64)
    expected = np.outer(confusion.sum(axis=1), confusion.sum(axis=0)) / confusion.sum()
    if weights is None:
        w = 1.0 - np.eye(n_values)
    else:
        grid = np.abs(np.arange(n_values)[:, None] - np.arange(n_values)[None, :])
        if weights == "linear":
            w = grid.astype(float)
        elif weights == "quadratic":
            w = grid.astype(float) ** 2
        else:
            raise ValueError("weights must be None, 'linear' or 'quadratic'")
    denominator = float((w * expected).sum())
    if denominator == 0:
        return float("nan")
    return 1.0 - float((w * confusion).sum()) / denominator


def cohen_kappa(a: Sequence[Any], b: Sequence[Any], weights: str | None = None) -> float:
    """Cohen's kappa between two annotators' labels of the same items.

    Why: agreement corrected for the agreement two annotators would reach by chance given how
    often each uses every label; the standard figure for a pair of annotators (J. Cohen, "A
    Coefficient of Agreement for Nominal Scales", Educational and Psychological Measurement
    20(1):37-46, 1960, https://doi.org/10.1177/001316446002000104). ``weights`` "linear" or
    "quadratic" give weighted kappa for ordered labels (Cohen 1968,
    https://doi.org/10.1037/h0026256). Same figure as ``sklearn.metrics.cohen_kappa_score``.

    Positions where either label is None/NaN are skipped. Returns NaN when chance agreement is
    total (e.g. both always give the same single label) or nothing is left.

    Example:
        >>> cohen_kappa(["x", "x", "y", "y"], ["x", "y", "y", "y"])
        0.5
    """
    if len(a) != len(b):
        raise ValueError("both annotators must label the same items (equal lengths)")
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if not (is_missing(x) or is_missing(y))]
    if not pairs:
        return float("nan")
    values = sort_if_possible(list({v for p in pairs for v in p}))
    index = {v: k for k, v in enumerate(values)}
    codes_a = np.asarray([index[x] for x, _ in pairs], dtype=np.intp)
    codes_b = np.asarray([index[y] for _, y in pairs], dtype=np.intp)
    return _kappa_from_codes(codes_a, codes_b, len(values), weights)


def cohen_kappa_matrix(
    ratings: Ratings, weights: str | None = None, min_overlap: int = 1
) -> NDArray[np.float64]:
    """Cohen's kappa of every pair of annotators (annotators × annotators, symmetric).

    Each pair is computed on the items both answered, with the labels either of them used (as
    :func:`cohen_kappa` would). NaN where a pair shares fewer than ``min_overlap`` items or kappa
    is undefined; the diagonal is 1. Why: a manager spots the one annotator who disagrees with
    everybody, which a single overall figure hides.

    Example:
        >>> cohen_kappa_matrix([[0, 1, 1, 0], [0, 1, 1, 1], [1, 0, 0, 1]]).round(2).tolist()
        [[1.0, 0.5, -1.0], [0.5, 1.0, -0.5], [-1.0, -0.5, 1.0]]
    """
    codes, values = encode_ratings(ratings)
    n = codes.shape[0]
    out = np.full((n, n), np.nan)
    np.fill_diagonal(out, 1.0)
    for i in range(n):
        for j in range(i + 1, n):
            both = (codes[i] >= 0) & (codes[j] >= 0)
            if int(both.sum()) < max(min_overlap, 1):
                continue
            a, b = codes[i][both], codes[j][both]
            used = np.unique(np.concatenate([a, b]))
            remap = np.full(len(values), -1, dtype=np.intp)
            remap[used] = np.arange(len(used))
            out[i, j] = out[j, i] = _kappa_from_codes(remap[a], remap[b], len(used), weights)
    return out
