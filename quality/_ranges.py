"""Ranges of indices laid end to end, the vectorised form of nested loops."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

I64 = NDArray[np.int64]


def expand(first: NDArray[np.integer], count: NDArray[np.integer]) -> tuple[I64, I64]:
    """``(owner, index)``: for every ``i``, the indices ``first[i] .. first[i] + count[i] - 1``
    one after another, each with its ``i``.

    Example:
        >>> owner, index = expand(np.array([10, 3]), np.array([2, 3]))
        >>> owner.tolist(), index.tolist()
        ([0, 0, 1, 1, 1], [10, 11, 3, 4, 5])
    """
    count = np.asarray(count, dtype=np.int64)
    owner = np.repeat(np.arange(len(count), dtype=np.int64), count)
    start = np.cumsum(count) - count
    index = np.arange(int(count.sum()), dtype=np.int64) - start[owner]
    return owner, index + np.asarray(first, dtype=np.int64)[owner]
