"""Krippendorff's alpha for any number of annotators, missing answers and four scales."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._ratings import Ratings, encode_ratings, unit_value_counts

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def _unit_coincidences(counts: NDArray[np.float64]) -> NDArray[np.float64]:
    """items × V × V coincidences; items with fewer than two answers contribute nothing."""
    m = counts.sum(axis=1)
    pairable = np.maximum(m, 2.0)
    outer = counts[:, :, None] * counts[:, None, :]
    idx = np.arange(counts.shape[1])
    outer[:, idx, idx] -= counts
    return outer / (pairable - 1)[:, None, None]


def _distances(
    values: NDArray[np.float64], level: str, n_v: NDArray[np.float64]
) -> NDArray[np.float64]:
    v1, v2 = values[:, None], values[None, :]
    if level == "nominal":
        return (v1 != v2).astype(np.float64)
    if level == "interval":
        return (v1 - v2) ** 2
    if level == "ratio":
        total = v1 + v2
        ratio = np.divide(
            v1 - v2, total, out=np.zeros(np.broadcast(v1, v2).shape), where=total != 0
        )
        return ratio**2
    # ordinal: by ranks, with the marginal counts in between (Krippendorff 2011, eq. for ordinal)
    cum = np.concatenate([[0.0], np.cumsum(n_v)])
    i = np.arange(len(values))
    lo, hi = np.minimum(i[:, None], i[None, :]), np.maximum(i[:, None], i[None, :])
    between = cum[hi + 1] - cum[lo]
    return (between - (n_v[lo] + n_v[hi]) / 2) ** 2


def _alpha(o: NDArray[np.float64], values: NDArray[np.float64], level: str) -> float:
    n_v = o.sum(axis=0)
    n = n_v.sum()
    if n <= 1:
        return float("nan")
    e = (np.outer(n_v, n_v) - np.diag(n_v)) / (n - 1)
    d = _distances(values, level, n_v)
    expected = float((e * d).sum())
    if expected == 0:
        return float("nan")
    return 1.0 - float((o * d).sum()) / expected


def _prepare(ratings: Ratings, level: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}")
    codes, values = encode_ratings(ratings)
    if level in ("interval", "ratio"):
        try:
            numeric = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{level} alpha needs numeric answers") from exc
    else:  # nominal and ordinal only use the order of the values
        numeric = np.arange(len(values), dtype=np.float64)
    if codes.size == 0:
        return np.zeros((0, 0, 0)), numeric
    return _unit_coincidences(unit_value_counts(codes, len(values))), numeric


def krippendorff_alpha(ratings: Ratings, level: str = "nominal") -> float:
    """Krippendorff's alpha: 1 - observed disagreement / disagreement expected by chance.

    Why: the one agreement coefficient that handles any number of annotators, missing answers
    and nominal, ordinal, interval or ratio scales with the same definition (K. Krippendorff,
    "Computing Krippendorff's Alpha-Reliability", University of Pennsylvania, 2011,
    https://repository.upenn.edu/asc_papers/43; K. Krippendorff, Content Analysis, 4th ed.,
    Sage, 2018). Computed from the coincidence matrix exactly as the ``krippendorff`` package
    (value domain: the values present; ordinal distances use the value frequencies).

    ``ratings``: annotators × items, None or NaN = no answer. Nominal/ordinal accept any sortable
    labels; interval/ratio need numbers. NaN when fewer than two pairable answers exist or there
    is no variation.

    Example:
        >>> round(krippendorff_alpha([[1, 2, 3, 3], [1, 2, 3, 4], [None, 2, 3, 4]]), 4)
        0.7727
    """
    o_units, values = _prepare(ratings, level)
    if o_units.size == 0:
        return float("nan")
    return _alpha(o_units.sum(axis=0), values, level)


def krippendorff_alpha_ci(
    ratings: Ratings,
    level: str = "nominal",
    *,
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int | None = 0,
) -> dict[str, Any]:
    """Alpha with a percentile bootstrap confidence interval over items.

    Why: alpha on a few hundred items is itself uncertain; an interval tells a manager whether
    0.78 is really below a 0.8 target. Items are resampled with replacement ``n_boot`` times
    (their coincidence matrices re-weighted, so one resample costs a matrix product), following
    the item-resampling bootstrap of Hayes and Krippendorff ("Answering the Call for a Standard
    Reliability Measure for Coding Data", Communication Methods and Measures 1(1):77-89, 2007,
    https://doi.org/10.1080/19312450709336664).

    Returns ``{"alpha", "low", "high", "confidence", "n_boot"}``.

    Example:
        >>> r = krippendorff_alpha_ci([[1, 2, 3, 3, 1], [1, 2, 3, 4, 1]], n_boot=200)
        >>> r["low"] <= r["alpha"] <= r["high"]
        True
    """
    o_units, values = _prepare(ratings, level)
    if o_units.size == 0:
        nan = float("nan")
        return {"alpha": nan, "low": nan, "high": nan, "confidence": confidence, "n_boot": 0}
    alpha = _alpha(o_units.sum(axis=0), values, level)
    pairable = o_units.sum(axis=(1, 2)) > 0
    o_units = o_units[pairable]
    n_units, v = o_units.shape[0], o_units.shape[1]
    rng = np.random.default_rng(seed)
    flat = o_units.reshape(n_units, v * v)
    boots = np.empty(n_boot)
    chunk = 256
    for start in range(0, n_boot, chunk):
        size = min(chunk, n_boot - start)
        weights = rng.multinomial(n_units, np.full(n_units, 1.0 / n_units), size=size)
        sums = (weights @ flat).reshape(size, v, v)
        boots[start : start + size] = [_alpha(o, values, level) for o in sums]
    boots = boots[~np.isnan(boots)]
    tail = (1 - confidence) / 2
    low, high = np.quantile(boots, [tail, 1 - tail]) if len(boots) else (np.nan, np.nan)
    return {
        "alpha": alpha,
        "low": float(low),
        "high": float(high),
        "confidence": confidence,
        "n_boot": len(boots),
    }
