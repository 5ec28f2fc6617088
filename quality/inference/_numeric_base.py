"""Shared shape of the numeric aggregators (answers are numbers)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator

from .._data import Answers, encode_numeric


class NumericAggregator(BaseEstimator):
    """``fit(answers, gold=None) -> self``; fitted ``items_``, ``annotators_``, ``labels_``.

    Gold anchoring: gold items take their known value, and the annotators' reliabilities (where
    the method has them) are learnt from them as well.
    """

    items_: list[Any]
    annotators_: list[Any]
    labels_: list[float]

    def fit(
        self, answers: Answers, gold: Mapping[Hashable, float] | None = None
    ) -> NumericAggregator:
        tasks, workers, values, items, annotators, gold_t, gold_v = encode_numeric(answers, gold)
        self.items_, self.annotators_ = items, annotators
        if len(values) == 0:
            estimate = np.zeros(0)
            self._fit_empty()
        else:
            estimate = self._estimate(
                tasks, workers, values, len(items), len(annotators), gold_t, gold_v
            )
        self.labels_ = estimate.tolist()
        return self

    def fit_predict(
        self, answers: Answers, gold: Mapping[Hashable, float] | None = None
    ) -> list[float]:
        return self.fit(answers, gold).labels_

    def labels_dict(self) -> dict[Any, float]:
        return dict(zip(self.items_, self.labels_, strict=True))

    def _estimate(
        self,
        tasks: NDArray[np.intp],
        workers: NDArray[np.intp],
        values: NDArray[np.float64],
        n_tasks: int,
        n_workers: int,
        gold_t: NDArray[np.intp],
        gold_v: NDArray[np.float64],
    ) -> NDArray[np.float64]:
        raise NotImplementedError

    def _fit_empty(self) -> None:
        """Annotator parameters for empty input."""
