"""Uncertainty scores of a model's class probabilities, for active learning and review.

Why these two: they are the standard uncertainty-sampling measures (D. D. Lewis and W. A. Gale,
"A Sequential Algorithm for Training Text Classifiers", SIGIR 1994,
https://doi.org/10.1007/978-1-4471-2099-5_1; B. Settles, "Active Learning Literature Survey",
Computer Sciences Technical Report 1648, University of Wisconsin-Madison, 2009, section 3.1).
Both are scaled to [0, 1] with 1 the most uncertain, so a project's ``priority`` can be either
one and the UI can show it as a share.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

METHODS = ("margin", "entropy")


def _rows(proba: ArrayLike) -> NDArray[np.float64]:
    p = np.asarray(proba, dtype=np.float64)
    if p.ndim != 2:
        raise ValueError("proba must be a 2-D array (items × classes)")
    return p


def margin_uncertainty(proba: ArrayLike) -> NDArray[np.float64]:
    """``1 - (p_first - p_second)`` per row: 1 when the two best classes tie, 0 when one is sure.

    Margin sampling (T. Scheffer, C. Decomain and S. Wrobel, "Active Hidden Markov Models for
    Information Extraction", IDA 2001, https://doi.org/10.1007/3-540-44816-0_31). A single class
    is never uncertain (0).

    Example:
        >>> margin_uncertainty([[0.5, 0.5], [0.9, 0.1]]).round(2)
        array([1. , 0.2])
    """
    p = _rows(proba)
    if p.shape[1] < 2:
        return np.zeros(len(p))
    top = -np.sort(-p, axis=1)[:, :2]
    return np.clip(1.0 - (top[:, 0] - top[:, 1]), 0.0, 1.0)


def entropy_uncertainty(proba: ArrayLike) -> NDArray[np.float64]:
    """Shannon entropy per row divided by ``log(k)``: 1 for a uniform row, 0 for a sure one.

    Entropy sampling (C. E. Shannon, "A Mathematical Theory of Communication", Bell System
    Technical Journal 27:379-423, 1948, https://doi.org/10.1002/j.1538-7305.1948.tb01338.x;
    Settles 2009, equation 3.3).

    Example:
        >>> entropy_uncertainty([[0.25, 0.25, 0.25, 0.25], [1.0, 0.0, 0.0, 0.0]]).round(2)
        array([1., 0.])
    """
    p = _rows(proba)
    k = p.shape[1]
    if k < 2:
        return np.zeros(len(p))
    logs = np.log(p, out=np.zeros_like(p), where=p > 0)
    return np.clip(-(p * logs).sum(axis=1) / np.log(k), 0.0, 1.0) + 0.0  # no -0.0


def uncertainty(proba: ArrayLike, method: str = "margin") -> NDArray[np.float64]:
    """The uncertainty of each row by ``method`` (``"margin"`` or ``"entropy"``)."""
    if method == "margin":
        return margin_uncertainty(proba)
    if method == "entropy":
        return entropy_uncertainty(proba)
    raise ValueError(f"method must be one of {METHODS}, not {method!r}")
