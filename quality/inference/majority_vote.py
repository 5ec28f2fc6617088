"""Majority vote: the baseline every other method must beat."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .._data import Encoded
from ._base import CategoricalAggregator, argmax_ties
from ._sparse import normalize_rows


def agreement_with(data: Encoded, truth: NDArray[np.intp]) -> NDArray[np.float64]:
    """Fraction of each worker's answers that equal ``truth`` of their task (NaN: no answers)."""
    hits = (data.labels == truth[data.tasks]).astype(np.float64)
    n = np.bincount(data.workers, minlength=data.n_workers).astype(np.float64)
    agree = np.bincount(data.workers, weights=hits, minlength=data.n_workers)
    with np.errstate(invalid="ignore", divide="ignore"):
        return agree / n


class MajorityVote(CategoricalAggregator):
    """Each item gets the label most annotators chose.

    Why: it needs no model and no iterations, it is what every paper reports as the floor, and it
    initialises Dawid-Skene. ``probas_`` is the share of votes per label (duplicates count, as in
    crowd-kit); a tie goes to the label answered most often overall (then the first in sorted
    order), so results are reproducible (crowd-kit orders tied labels differently, so the two
    can differ on tied items only). Gold items take their known label. ``skills_`` is each
    annotator's agreement with the result (on gold items: their gold accuracy).

    Reference: the plurality rule; as an aggregation baseline see Sheng, Provost and Ipeirotis,
    "Get another label? Improving data quality and data mining using multiple, noisy labelers",
    KDD 2008, https://doi.org/10.1145/1401890.1401965.

    Example:
        >>> from quality.inference import MajorityVote
        >>> answers = [("t1", "a", "cat"), ("t1", "b", "cat"), ("t1", "c", "dog"),
        ...            ("t2", "a", "dog"), ("t2", "b", "dog")]
        >>> MajorityVote().fit(answers).labels_
        ['cat', 'dog']
    """

    skills_: NDArray[np.float64]

    def _fit_encoded(self, data: Encoded) -> NDArray[np.float64]:
        probas = data.clamp_gold(normalize_rows(data.vote_counts()))
        priority = np.bincount(data.labels, minlength=data.n_classes).astype(float)
        self.skills_ = agreement_with(data, argmax_ties(probas, priority))
        return probas

    def _fit_empty(self, data: Encoded) -> None:
        self.skills_ = np.zeros(0)
