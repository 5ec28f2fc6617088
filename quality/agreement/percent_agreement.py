"""Observed (pairwise) percent agreement."""

from __future__ import annotations

import numpy as np

from ._ratings import Ratings, encode_ratings, unit_value_counts


def percent_agreement(ratings: Ratings) -> float:
    """Share of agreeing annotator pairs, averaged over items with at least two answers.

    Why: it is the figure annotators and managers understand without a chance model; it is the
    "observed agreement" ``P_o`` of Fleiss' kappa generalised to a varying number of answers per
    item (Fleiss, "Measuring nominal scale agreement among many raters", Psychological Bulletin
    76(5):378-382, 1971, https://doi.org/10.1037/h0031619). For each item with ``m >= 2``
    answers of which ``n_v`` carry value ``v`` it is ``sum_v n_v (n_v - 1) / (m (m - 1))``.

    ``ratings`` is annotators × items; None or NaN means no answer. Returns NaN when no item has
    two answers.

    Example:
        >>> percent_agreement([["a", "b", "a"], ["a", "b", "b"], ["a", None, "b"]])
        0.7777777777777778
    """
    codes, values = encode_ratings(ratings)
    if codes.size == 0:
        return float("nan")
    counts = unit_value_counts(codes, len(values))
    m = counts.sum(axis=1)
    ok = m >= 2
    if not ok.any():
        return float("nan")
    agree = (counts[ok] * (counts[ok] - 1)).sum(axis=1) / (m[ok] * (m[ok] - 1))
    return float(np.mean(agree))
