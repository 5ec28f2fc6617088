"""Confidence that means the probability of being right, and the method chosen by gold.

    from quality.confidence import infer_classes, choose_by_gold, expected_calibration_error

* :func:`infer_classes`: a named method's labels with calibrated confidence
  (:func:`calibrated_posterior`: leave-one-out, shrunk annotator models).
* :func:`choose_by_gold`: the candidate with the best accuracy on the gold (fitted without it),
  the default kept unless beaten beyond one standard error.
* :func:`annotator_weights`, :func:`item_confidence`, :func:`object_confidence`: gold-evidence
  weights with unknown annotators at the crowd's prior, and vote confidences for marks.
* :func:`expected_calibration_error`: ECE in equal-width bins; :func:`perfect_calibration_ece`:
  the ECE a perfectly calibrated confidence would show on the same items (the estimator's noise
  floor); :func:`debiased_squared_calibration_error`: Kumar et al.'s bias-corrected squared L2
  calibration error.
"""

from .calibrated import Calibrated, calibrated_posterior
from .ece import (
    ReliabilityBins,
    debiased_squared_calibration_error,
    debiased_squared_calibration_errors,
    expected_calibration_error,
    expected_calibration_errors,
    perfect_calibration_ece,
    reliability_bins,
)
from .methods import DEFAULT, METHODS, ClassConsensus, fit_method, infer_classes
from .selection import MethodChoice, choose_by_gold
from .weights import (
    annotator_weights,
    crowd_prior,
    item_confidence,
    log_odds,
    object_confidence,
    objects_item_confidence,
    shrunk_accuracy,
    vote_weights,
)

__all__ = [
    "DEFAULT",
    "METHODS",
    "Calibrated",
    "ClassConsensus",
    "MethodChoice",
    "ReliabilityBins",
    "annotator_weights",
    "calibrated_posterior",
    "choose_by_gold",
    "crowd_prior",
    "debiased_squared_calibration_error",
    "debiased_squared_calibration_errors",
    "expected_calibration_error",
    "expected_calibration_errors",
    "fit_method",
    "infer_classes",
    "item_confidence",
    "log_odds",
    "object_confidence",
    "objects_item_confidence",
    "perfect_calibration_ece",
    "reliability_bins",
    "shrunk_accuracy",
    "vote_weights",
]
