"""Scoring annotators on gold items and deciding who is paused."""

from .scoring import (
    GoldScore,
    gold_confusion,
    gold_scores,
    should_pause,
    smoothed_accuracy,
)

__all__ = ["GoldScore", "gold_confusion", "gold_scores", "should_pause", "smoothed_accuracy"]
