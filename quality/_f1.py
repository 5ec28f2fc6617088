"""F1 of two sets of marks from their one-to-one matches (boxes, polygons)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def f1_summary(n_a: int, n_b: int, matched_iou: Sequence[float]) -> dict[str, float]:
    """``{"f1", "precision", "recall", "mean_iou", "matches"}`` of ``a`` against ``b``.

    ``f1 = 2 m / (|a| + |b|)`` is symmetric; two empty sets ("nothing to mark" twice) agree
    perfectly (f1 1.0); ``mean_iou`` averages the matched pairs (NaN without matches).
    """
    if n_a == 0 and n_b == 0:
        return {
            "f1": 1.0,
            "precision": 1.0,
            "recall": 1.0,
            "mean_iou": float("nan"),
            "matches": 0.0,
        }
    m = len(matched_iou)
    return {
        "f1": 2 * m / (n_a + n_b),
        "precision": m / n_a if n_a else 0.0,
        "recall": m / n_b if n_b else 0.0,
        "mean_iou": float(np.mean(matched_iou)) if m else float("nan"),
        "matches": float(m),
    }
