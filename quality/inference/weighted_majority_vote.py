"""Weighted majority vote: each annotator's vote counts by how reliable they are."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping

import numpy as np
from numpy.typing import NDArray

from .._data import Answers, Encoded
from ._base import CategoricalAggregator, argmax_ties
from ._sparse import normalize_rows
from .majority_vote import agreement_with


class WeightedMajorityVote(CategoricalAggregator):
    r"""Majority vote with per-annotator weights.

    With weights given (``fit(..., weights={annotator: w})``, e.g. from gold accuracy) each vote
    counts ``w``. Without, the weights are learnt: an annotator's skill ``s`` is their agreement
    with the current result (gold items count as known answers), smoothed with a Beta(1, 1)
    prior, and their weight is the log-odds ``log((K - 1) s / (1 - s))``, floored at 0 — the
    optimal weight when each annotator is right with probability ``s`` independently (Nitzan and
    Paroush). ``n_iter`` rounds of vote → skills → vote are run (1 = "Wawa": weights from
    agreement with plain majority vote).

    References: S. Nitzan and J. Paroush, "Optimal Decision Rules in Uncertain Dichotomous Choice
    Situations", International Economic Review 23(2):289-297, 1982,
    https://doi.org/10.2307/2526438; weighting by agreement with the aggregate as in crowd-kit's
    ``Wawa`` (D. Ustalov, N. Pavlichenko and B. Tseitlin, "Learning from Crowds with Crowd-Kit",
    Journal of Open Source Software 9(96):6227, 2024, https://doi.org/10.21105/joss.06227).

    Fitted attributes: ``skills_`` (smoothed agreement), ``weights_`` (used weights).

    Example:
        >>> from quality.inference import WeightedMajorityVote
        >>> answers = [("t1", "ann", "a"), ("t1", "bob", "b"), ("t1", "cid", "b")]
        >>> weights = {"ann": 5.0, "bob": 1.0, "cid": 1.0}
        >>> WeightedMajorityVote().fit(answers, weights=weights).labels_
        ['a']
    """

    skills_: NDArray[np.float64]
    weights_: NDArray[np.float64]

    def __init__(self, n_iter: int = 2) -> None:
        self.n_iter = n_iter

    def fit(
        self,
        answers: Answers,
        gold: Mapping[Hashable, Hashable] | None = None,
        *,
        classes: Iterable[Hashable] | None = None,
        weights: Mapping[Hashable, float] | None = None,
    ) -> WeightedMajorityVote:
        """Fit; ``weights`` maps annotators to fixed weights (missing ones weigh 0)."""
        self._given = weights
        super().fit(answers, gold, classes=classes)
        return self

    def _vote(self, data: Encoded, w: NDArray[np.float64]) -> NDArray[np.float64]:
        scores = data.vote_counts(w[data.workers])
        return data.clamp_gold(normalize_rows(scores))

    def _fit_encoded(self, data: Encoded) -> NDArray[np.float64]:
        priority = np.bincount(data.labels, minlength=data.n_classes).astype(float)
        k = max(data.n_classes, 2)
        if self._given is not None:
            w = np.asarray([float(self._given.get(a, 0.0)) for a in data.annotators])
            probas = self._vote(data, w)
            self.skills_ = agreement_with(data, argmax_ties(probas, priority))
            self.weights_ = w
            return probas
        w = np.ones(data.n_workers)
        probas = self._vote(data, w)
        for _ in range(max(1, self.n_iter)):
            truth = argmax_ties(probas, priority)
            hits = (data.labels == truth[data.tasks]).astype(np.float64)
            n = np.bincount(data.workers, minlength=data.n_workers)
            agree = np.bincount(data.workers, weights=hits, minlength=data.n_workers)
            skills = (agree + 1.0) / (n + 2.0)
            w = np.maximum(np.log((k - 1) * skills / (1 - skills)), 0.0)
            if not w.any():
                w = np.ones(data.n_workers)
            probas = self._vote(data, w)
        self.skills_ = skills
        self.weights_ = w
        return probas

    def _fit_empty(self, data: Encoded) -> None:
        self.skills_ = np.zeros(0)
        self.weights_ = np.zeros(0)
