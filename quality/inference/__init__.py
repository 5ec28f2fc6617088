"""Truth inference: the most likely label (or value) of every item from annotators' answers.

Categorical estimators share one shape (scikit-learn / crowd-kit style)::

    est = DawidSkene(n_iter=100, tol=1e-5).fit(answers, gold=None)
    est.items_, est.classes_, est.labels_, est.probas_, est.skills_

``answers``: iterable of (item, annotator, label) triples or a 3-column array; ``gold``:
optional mapping item -> known label (clamped, and annotator parameters learnt from it).
"""

from .dawid_skene import DawidSkene
from .default import DEFAULT_METHOD, default_estimator
from .glad import GLAD
from .mace import MACE
from .majority_vote import MajorityVote
from .numeric.mean import MeanAggregator
from .numeric.median import MedianAggregator
from .numeric.reliability_weighted import ReliabilityWeightedMean
from .one_coin_dawid_skene import OneCoinDawidSkene
from .weighted_majority_vote import WeightedMajorityVote

__all__ = [
    "DEFAULT_METHOD",
    "GLAD",
    "MACE",
    "DawidSkene",
    "MajorityVote",
    "MeanAggregator",
    "MedianAggregator",
    "OneCoinDawidSkene",
    "ReliabilityWeightedMean",
    "WeightedMajorityVote",
    "default_estimator",
]
