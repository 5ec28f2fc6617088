"""Numeric aggregation: mean, median, reliability-weighted mean."""

from __future__ import annotations

import numpy as np
import pytest

from quality.inference import MeanAggregator, MedianAggregator, ReliabilityWeightedMean


def test_mean_and_median_hand_computed() -> None:
    answers = [
        ("a", "w1", 1.0),
        ("a", "w2", 2.0),
        ("a", "w3", 9.0),
        ("b", "w1", 4.0),
        ("b", "w2", 6.0),
    ]
    assert MeanAggregator().fit(answers).labels_dict() == {"a": 4.0, "b": 5.0}
    assert MedianAggregator().fit(answers).labels_dict() == {"a": 2.0, "b": 5.0}


def test_median_matches_numpy_on_random_groups() -> None:
    rng = np.random.default_rng(0)
    tasks = rng.integers(0, 50, 600)
    values = rng.normal(size=600)
    answers = [(int(t), i, float(v)) for i, (t, v) in enumerate(zip(tasks, values, strict=True))]
    got = MedianAggregator().fit(answers).labels_dict()
    for t in range(50):
        assert abs(got[t] - np.median(values[tasks == t])) < 1e-12


def test_reliability_weighted_mean_downweights_the_noisy_annotator() -> None:
    rng = np.random.default_rng(1)
    truth = rng.uniform(-50, 50, 200)
    answers = []
    for t, z in enumerate(truth):
        for w, sd in enumerate([1.0, 2.0, 1.5, 30.0]):
            answers.append((t, f"w{w}", float(z + rng.normal(0, sd))))
    weighted = ReliabilityWeightedMean().fit(answers)
    mean = MeanAggregator().fit(answers)
    mae_w = np.mean(np.abs(np.asarray(weighted.labels_) - truth))
    mae_m = np.mean(np.abs(np.asarray(mean.labels_) - truth))
    assert mae_w < 0.5 * mae_m
    assert weighted.weights_[3] < 0.01 * weighted.weights_[0]
    v = weighted.variances_  # noise sd 1, 2, 1.5, 30: the order is recovered
    assert v[0] < v[2] < v[1] < v[3]


def test_numeric_gold_anchoring_and_edge_cases() -> None:
    answers = [("a", "w1", 1.0), ("a", "w2", 3.0), ("b", "w1", None), ("b", "w2", 5.0)]
    for cls in (MeanAggregator, MedianAggregator, ReliabilityWeightedMean):
        est = cls().fit(answers, gold={"a": 10.0, "zz": 1.0})
        assert est.labels_dict() == {"a": 10.0, "b": 5.0}
        assert cls().fit([]).labels_ == []
        assert cls().fit([("x", "solo", 2.5)]).labels_ == [2.5]


def test_numeric_on_emotion_data(crowd_truth) -> None:
    answers, truth = crowd_truth("zheng_n_emotion")
    answers = [(t, w, float(v)) for t, w, v in answers]
    mean = MeanAggregator().fit(answers).labels_dict()
    mae = np.mean([abs(mean[t] - float(v)) for t, v in truth.items()])
    # Zheng et al. 2017 report mean MAE 12.02 on this set
    assert abs(mae - 12.02) < 0.01
    weighted = ReliabilityWeightedMean().fit(answers).labels_dict()
    mae_w = np.mean([abs(weighted[t] - float(v)) for t, v in truth.items()])
    assert mae_w < 13.0


def test_numeric_rejects_non_numbers() -> None:
    with pytest.raises((TypeError, ValueError)):
        MeanAggregator().fit([("a", "w", "high")])
