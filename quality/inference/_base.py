"""The shape every categorical truth-inference estimator shares (scikit-learn / crowd-kit style)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator

from .._data import Answers, Encoded, encode
from ._sparse import row_max

EPS = 1e-10
"""Floor for probabilities before taking logs (the value crowd-kit uses)."""


def argmax_ties(probas: NDArray[np.float64], priority: NDArray[np.float64]) -> NDArray[np.intp]:
    """Row-wise argmax; exact ties go to the class with the highest ``priority``.

    The estimators use the overall number of answers per class as priority (then sorted class
    order): when the evidence on an item is perfectly split, bet on the more common label. It is
    reproducible (no random tie-breaking) and agrees with crowd-kit, whose columns come ordered
    by frequency.
    """
    top = row_max(probas)[:, None]
    tied = probas == top
    if int(tied.sum()) == len(probas):
        return np.argmax(probas, axis=1)
    rank = np.argsort(np.argsort(-priority, kind="stable"), kind="stable")  # 0 = preferred
    return np.argmax(np.where(tied, -rank[None, :], -np.inf), axis=1)


class CategoricalAggregator(BaseEstimator):
    """Base class: hyperparameters in ``__init__``, ``fit(answers, gold=None) -> self``.

    Fitted attributes: ``items_`` (item ids), ``annotators_`` (worker ids), ``classes_``,
    ``labels_`` (aligned with ``items_``), ``probas_`` (items × classes) plus each model's
    annotator parameters. Subclasses implement :meth:`_fit_encoded`.
    """

    items_: list[Any]
    annotators_: list[Any]
    classes_: list[Any]
    labels_: list[Any]
    probas_: NDArray[np.float64]

    def fit(
        self,
        answers: Answers,
        gold: Mapping[Hashable, Hashable] | None = None,
        *,
        classes: Iterable[Hashable] | None = None,
    ) -> CategoricalAggregator:
        """Fit on (task, worker, label) answers.

        ``gold`` maps items to known labels: those items are clamped to their label and the
        annotator parameters are learnt from them too. ``classes`` lists labels that exist even
        if nobody chose them (they get a column in ``probas_``).
        """
        data = encode(answers, gold, classes)
        self.items_ = data.items
        self.annotators_ = data.annotators
        self.classes_ = data.classes
        if data.n_answers == 0:
            self.probas_ = np.zeros((0, data.n_classes))
            self._fit_empty(data)
        else:
            self.probas_ = self._fit_encoded(data)
        self._priority = np.bincount(data.labels, minlength=data.n_classes).astype(float)
        self.labels_ = self._decode(self.probas_)
        return self

    def fit_predict(
        self,
        answers: Answers,
        gold: Mapping[Hashable, Hashable] | None = None,
        *,
        classes: Iterable[Hashable] | None = None,
    ) -> list[Any]:
        """Fit and return ``labels_``."""
        return self.fit(answers, gold, classes=classes).labels_

    def fit_predict_proba(
        self,
        answers: Answers,
        gold: Mapping[Hashable, Hashable] | None = None,
        *,
        classes: Iterable[Hashable] | None = None,
    ) -> NDArray[np.float64]:
        """Fit and return ``probas_``."""
        return self.fit(answers, gold, classes=classes).probas_

    def labels_dict(self) -> dict[Any, Any]:
        """``{item: label}`` of the fitted model, convenient for callers."""
        return dict(zip(self.items_, self.labels_, strict=True))

    @property
    def confidences_(self) -> NDArray[np.float64]:
        """Posterior probability of each item's chosen label (aligned with ``items_``)."""
        if len(self.probas_) == 0:
            return np.zeros(0)
        return self.probas_.max(axis=1)

    # -- for subclasses ------------------------------------------------------------------------
    def _fit_encoded(self, data: Encoded) -> NDArray[np.float64]:
        raise NotImplementedError

    def _fit_empty(self, data: Encoded) -> None:
        """Set annotator parameters for empty input (subclasses override)."""

    def _decode(self, probas: NDArray[np.float64]) -> list[Any]:
        if len(probas) == 0:
            return []
        classes = np.empty(len(self.classes_), dtype=object)
        classes[:] = self.classes_  # element-wise: tuple labels stay tuples
        return classes[argmax_ties(probas, self._priority)].tolist()
