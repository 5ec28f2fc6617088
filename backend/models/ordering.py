"""Which open items come first: the project's ``ordering`` turned into ``items.priority``.

The distribution order stays what it is (``backend/assignments/picking.py``): items nearest
completion first, then higher ``priority``, then a stable random order. This module only
chooses the priority:

* ``default``: the stored priority is left alone (imported, or whatever was there);
* ``uncertainty``: the model's uncertainty of the item, in [0, 1] (margin or entropy,
  ``quality.models.uncertainty``): the items the model is least sure of are labelled first —
  uncertainty sampling (Lewis and Gale, SIGIR 1994, https://doi.org/10.1007/978-1-4471-2099-5_1);
* ``mixed``: the same, except a share ``MIXED_RANDOM_SHARE`` of the items, chosen by their
  stable random key, gets a random priority in [0, 1] instead. Pure uncertainty sampling
  draws a biased sample and can stay blind to regions the model is wrongly sure about; mixing in
  random picks keeps the training data — and the held-out accuracy the UI shows — honest
  (epsilon-greedy sampling; Settles 2009, "Active Learning Literature Survey", section 6.1,
  on sampling bias).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

ORDERINGS = ("default", "uncertainty", "mixed")
MIXED_RANDOM_SHARE = 0.2
_KEY_SPACE = 2**63


def ranks_by_model(ordering: str) -> bool:
    """Whether the project's ordering lets the model set priorities."""
    if ordering not in ORDERINGS:
        raise ValueError(f"ordering must be one of {ORDERINGS}, not {ordering!r}")
    return ordering != "default"


def priorities(
    *,
    ordering: str,
    uncertainty: Sequence[float] | NDArray[np.float64],
    random_keys: Sequence[int],
    random_share: float = MIXED_RANDOM_SHARE,
) -> NDArray[np.float64]:
    """The priority of each item under ``ordering`` (``default``: ValueError, nothing to set).

    ``random_keys`` are the items' stable 63-bit random keys: the same items are the random
    share on every retraining, and their random priority is the same too.

    Example:
        >>> priorities(ordering="uncertainty", uncertainty=[0.1, 0.9], random_keys=[5, 7])
        array([0.1, 0.9])
    """
    if not ranks_by_model(ordering):
        raise ValueError("the default ordering sets no priority")
    u = np.clip(np.asarray(uncertainty, dtype=np.float64), 0.0, 1.0)
    if ordering == "uncertainty":
        return u
    keys = np.asarray(random_keys, dtype=np.float64) / _KEY_SPACE  # uniform in [0, 1)
    picked = (keys * 1000.0) % 1.0 < random_share  # independent of the value used below
    return np.where(picked, keys, u)
