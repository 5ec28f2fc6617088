"""Held-out accuracy of a model on the project's final answers: the figure the UI shows.

K-fold cross-validation (M. Stone, "Cross-Validatory Choice and Assessment of Statistical
Predictions", JRSS B 36(2):111-147, 1974, https://doi.org/10.1111/j.2517-6161.1974.tb00994.x):
every final answer is predicted once by a model that did not see it. The score is the model's
own ``score``: accuracy for class kinds, micro span F1 (exact match) or micro box F1 (IoU >= 0.5)
for mark kinds, pooled over folds by their size.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import KFold, StratifiedKFold

from ..boxes import match_boxes


def _take(X: Any, index: np.ndarray) -> Any:
    if isinstance(X, np.ndarray):
        return X[index]
    return [X[i] for i in index]


def cross_val_accuracy(
    model: Any, X: Sequence[Any], y: Sequence[Any], folds: int = 5, *, seed: int = 0
) -> float:
    """Mean held-out ``model.score`` over ``folds`` folds (stratified for class kinds).

    Stratified folds keep each class's share in every fold when every class has at least
    ``folds`` examples; otherwise plain shuffled folds. Raises ValueError with fewer items than
    folds.
    """
    n = len(y)
    if folds < 2:
        raise ValueError("folds must be >= 2")
    if n < folds:
        raise ValueError(f"{n} items cannot be split into {folds} folds")
    labels = list(y)
    counts = Counter(labels) if all(isinstance(v, str) for v in labels) else None
    splitter: KFold | StratifiedKFold
    if counts is not None and min(counts.values()) >= folds:
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    else:
        splitter = KFold(n_splits=folds, shuffle=True, random_state=seed)
    total, weight = 0.0, 0
    for train, test in splitter.split(np.zeros(n), labels if counts is not None else None):
        fitted = clone(model).fit(_take(X, train), _take(labels, train))
        total += fitted.score(_take(X, test), _take(labels, test)) * len(test)
        weight += len(test)
    return total / weight


def micro_span_f1(
    predicted: Sequence[Sequence[Mapping[str, Any]]], truth: Sequence[Sequence[Mapping[str, Any]]]
) -> float:
    """``2 m / (|predicted| + |truth|)`` over all texts, exact (label, start, end) matches.

    The CoNLL criterion (Tjong Kim Sang and De Meulder, CoNLL 2003,
    https://aclanthology.org/W03-0419), pooled over texts; nothing predicted and nothing true
    is 1.0.
    """
    matches = n_pred = n_true = 0
    for pred, true in zip(predicted, truth, strict=True):
        cp = Counter((s["label"], int(s["start"]), int(s["end"])) for s in pred)
        ct = Counter((s["label"], int(s["start"]), int(s["end"])) for s in true)
        matches += sum((cp & ct).values())
        n_pred, n_true = n_pred + len(pred), n_true + len(true)
    return 1.0 if n_pred + n_true == 0 else 2.0 * matches / (n_pred + n_true)


def micro_box_f1(
    predicted: Sequence[Sequence[Mapping[str, Any]]],
    truth: Sequence[Sequence[Mapping[str, Any]]],
    iou_threshold: float = 0.5,
) -> float:
    """``2 m / (|predicted| + |truth|)`` over all images; a match is the same label at IoU >= t.

    Matching per image is :func:`quality.boxes.match_boxes` (Hungarian, per label), the PASCAL
    VOC criterion (Everingham et al., IJCV 2010, https://doi.org/10.1007/s11263-009-0275-4).
    """
    matches = n_pred = n_true = 0
    for pred, true in zip(predicted, truth, strict=True):
        if pred and true:
            matches += len(match_boxes(list(pred), list(true), iou_threshold))
        n_pred, n_true = n_pred + len(pred), n_true + len(true)
    return 1.0 if n_pred + n_true == 0 else 2.0 * matches / (n_pred + n_true)
