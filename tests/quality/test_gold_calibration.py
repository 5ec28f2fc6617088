"""Confidence recalibrated on gold by cross-fitting (``quality.confidence.gold_calibration``)."""

from __future__ import annotations

import numpy as np
import pytest

from quality.confidence import METHODS, expected_calibration_error, infer_classes
from quality.confidence.gold_calibration import (
    CROWD_PRIOR,
    IDENTITY,
    IDENTITY_PRIOR,
    MIN_GOLD,
    PlattMap,
    cross_fitted_pairs,
    fit_platt,
    recalibrate,
)


def test_platt_without_data_is_the_identity_and_recovers_a_known_map() -> None:
    assert fit_platt([], []) == IDENTITY
    assert float(IDENTITY([0.8])[0]) == pytest.approx(0.8)
    rng = np.random.default_rng(3)
    x = rng.normal(2.0, 2.0, 20000)
    confidence = 1 / (1 + np.exp(-x))
    truly = 1 / (1 + np.exp(-(0.5 * x - 0.3)))  # the real probability of being right
    correct = rng.random(len(x)) < truly
    mapping = fit_platt(confidence, correct)
    assert mapping.slope == pytest.approx(0.5, abs=0.05)
    assert mapping.intercept == pytest.approx(-0.3, abs=0.08)
    assert mapping.n_gold == len(x)


def test_platt_converges_on_separable_saturated_pairs() -> None:
    """Confidences of 1 - 1e-9 and a perfect split: the fit stays finite near the prior."""
    confidence = [1 - 1e-9] * 20 + [0.3] * 5
    correct = [1] * 20 + [0] * 5
    mapping = fit_platt(confidence, correct)
    assert np.isfinite([mapping.slope, mapping.intercept]).all()
    assert 0.0 < mapping.slope < 5.0


def test_the_ceiling_recovers_a_known_slip() -> None:
    """Pairs drawn from ``0.95 · sigmoid(0.5·x - 0.3)``: the fit finds the ceiling and the map."""
    rng = np.random.default_rng(4)
    x = rng.normal(2.0, 2.5, 40000)
    truly = 0.95 / (1 + np.exp(-(0.5 * x - 0.3)))
    mapping = fit_platt(1 / (1 + np.exp(-x)), rng.random(len(x)) < truly)
    assert mapping.ceiling == pytest.approx(0.95, abs=0.01)
    assert mapping.slope == pytest.approx(0.5, abs=0.05)
    assert mapping.intercept == pytest.approx(-0.3, abs=0.1)


def test_a_few_gold_items_leave_the_map_near_the_crowd_prior() -> None:
    prior = CROWD_PRIOR
    assert prior.slip is not None
    prior_map = PlattMap(prior.slope, prior.intercept, 0, 1 - prior.slip)
    grid = np.linspace(0.5, 0.999, 50)
    mapping = fit_platt([0.97, 0.98, 0.99, 0.99, 0.97], [0, 1, 1, 1, 1])
    assert np.abs(mapping(grid) - prior_map(grid)).max() < 0.1
    assert float(mapping([0.97])[0]) < float(prior_map([0.97])[0])  # the wrong one pulls down


def test_the_map_never_reverses_the_order_of_confidences() -> None:
    """One wrong item at 0.97 and nothing else would fit a falling map; the slope stays ≥ 0."""
    mapping = fit_platt([0.97], [0])
    assert mapping.slope >= 0.0
    assert np.all(np.diff(mapping(np.linspace(0.5, 0.999, 50))) >= 0)


def test_the_identity_prior_is_plain_platt_without_a_ceiling() -> None:
    mapping = fit_platt([0.99] * 40, [1] * 30 + [0] * 10, prior=IDENTITY_PRIOR)
    assert mapping.ceiling == 1.0
    assert 0.7 < float(mapping([0.99])[0]) < 0.8


@pytest.mark.parametrize("prior", [CROWD_PRIOR, IDENTITY_PRIOR], ids=["ceiling", "platt"])
def test_the_loss_gradients_match_finite_differences(prior) -> None:
    from scipy.optimize import approx_fprime

    from quality.confidence.gold_calibration import _ceiling_loss, _platt_loss

    rng = np.random.default_rng(5)
    x = rng.normal(2.0, 2.0, 300)
    y = (rng.random(300) < 0.8).astype(float)
    loss = _ceiling_loss if prior.slip is not None else _platt_loss
    theta = np.array([0.7, 0.2, -2.5][: 3 if prior.slip is not None else 2])
    _, grad = loss(theta, x, y, prior)
    numeric = approx_fprime(theta, lambda t: loss(t, x, y, prior)[0], 1e-6)
    assert np.allclose(grad, numeric, rtol=1e-4, atol=1e-3)


def test_a_few_gold_items_move_the_map_less_than_many() -> None:
    few = fit_platt([0.99] * 10, [1] * 6 + [0] * 4)
    many = fit_platt([0.99] * 1000, [1] * 600 + [0] * 400)
    assert float(few([0.99])[0]) > float(many([0.99])[0])
    assert float(many([0.99])[0]) == pytest.approx(0.6, abs=0.03)


def test_recalibrate_keeps_rows_summing_to_one() -> None:
    probas = np.array([[0.9, 0.1, 0.0], [0.2, 0.8, 0.0], [1.0, 0.0, 0.0]])
    label = np.array([0, 1, 0])
    confidence, out = recalibrate(probas, label, fit_platt([0.9] * 50, [1] * 35 + [0] * 15))
    assert np.allclose(out.sum(axis=1), 1.0)
    assert np.allclose(out[np.arange(3), label], confidence)
    assert out[2, 1] == pytest.approx(out[2, 2])  # no mass elsewhere: spread evenly


def test_cross_fitting_never_fits_on_the_gold_it_scores() -> None:
    gold = {t: t % 2 for t in range(40)}
    seen: list[set[int]] = []

    def fit(train):
        seen.append(set(train))
        items = list(range(40))
        return items, [t % 2 for t in items], np.full(40, 0.9)

    confidence, right = cross_fitted_pairs(fit, gold, list(gold), folds=5)
    assert len(seen) == 5 and len(confidence) == 40 and right.all()
    scored_per_fold = [set(gold) - s for s in seen]
    assert set().union(*scored_per_fold) == set(gold)
    assert all(len(s) == 8 for s in scored_per_fold)


def _herding_crowd(seed: int):
    """Hard items (30%) fool most annotators the same way: the answer-based calibration is
    over-confident there, the gold shows it."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 2, 1500)
    answers = []
    for t in range(1500):
        hard = rng.random() < 0.3
        for w in rng.choice(30, 5, replace=False).tolist():
            right = rng.random() < (0.45 if hard else 0.92)
            answers.append((t, w, int(truth[t] if right else 1 - truth[t])))
    return answers, truth


def test_gold_recalibration_lowers_ece_on_a_crowd_that_errs_together() -> None:
    """On every seed the gold lowers ECE; over eight seeds it is ≤ 0.05 on average. (A single
    seed's ECE of a map from 150 gold items moves by ±0.015 with the draw: seed 5's is 0.068
    with the crowd prior, 0.058 with the identity prior, seed 1's 0.056 and 0.046.)"""
    eces: dict[bool, list[float]] = {False: [], True: []}
    for seed in range(1, 9):
        answers, truth = _herding_crowd(seed)
        gold = {t: int(truth[t]) for t in range(0, 1500, 10)}  # 150 gold items
        rest = np.asarray([t for t in range(1500) if t not in gold])
        for on in (False, True):
            fit = infer_classes(answers, gold=gold, classes=[0, 1], gold_calibration=on)
            label = np.asarray(fit.classes)[fit.label]
            right = label[rest] == truth[rest]
            eces[on].append(expected_calibration_error(fit.confidence[rest], right))
            assert (fit.confidence[list(gold)] == 1.0).all()  # gold items stay known
    assert all(np.asarray(eces[True]) < np.asarray(eces[False]))
    assert np.mean(eces[True]) <= 0.05


def test_too_little_gold_keeps_the_gold_free_calibration() -> None:
    answers, truth = _herding_crowd(3)
    gold = {t: int(truth[t]) for t in range(MIN_GOLD - 1)}
    with_gold = infer_classes(answers, gold=gold, classes=[0, 1])
    without = infer_classes(answers, gold=gold, classes=[0, 1], gold_calibration=False)
    assert with_gold.calibration == IDENTITY
    assert np.array_equal(with_gold.confidence, without.confidence)


def test_every_method_takes_the_gold_calibration() -> None:
    answers, truth = _herding_crowd(4)
    gold = {t: int(truth[t]) for t in range(0, 1500, 30)}
    for method in METHODS:
        fit = infer_classes(answers, method=method, gold=gold, classes=[0, 1])
        assert fit.calibration.n_gold == len(gold), method
        assert ((fit.confidence >= 0) & (fit.confidence <= 1)).all()


def test_by_default_the_gold_judges_the_fit_and_teaches_it_nothing() -> None:
    """``anchor=False``: the other items' labels are those of a fit without any gold, the gold
    items carry their known label at confidence 1 (even where the crowd says otherwise), and
    the map is fitted on every answered gold item."""
    answers, truth = _herding_crowd(5)
    gold = {t: int(1 - truth[t]) if t < 3 else int(truth[t]) for t in range(0, 1500, 10)}
    fit = infer_classes(answers, gold=gold, classes=[0, 1])
    free = infer_classes(answers, classes=[0, 1])
    labels = np.asarray(fit.classes)[fit.label]
    rest = np.asarray([t for t in range(1500) if t not in gold])
    assert np.array_equal(labels[rest], np.asarray(free.classes)[free.label][rest])
    known = np.asarray(sorted(gold))
    assert np.array_equal(labels[known], [gold[t] for t in known.tolist()])
    assert (fit.confidence[known] == 1.0).all() and fit.calibration.n_gold == len(gold)
    assert np.allclose(fit.probas.sum(axis=1), 1.0)


def test_anchored_fits_clamp_the_gold_and_recalibrate_by_cross_fitting() -> None:
    answers, truth = _herding_crowd(6)
    gold = {t: int(truth[t]) for t in range(0, 1500, 10)}
    fit = infer_classes(answers, gold=gold, classes=[0, 1], anchor=True)
    assert (fit.confidence[list(gold)] == 1.0).all()
    assert fit.calibration.n_gold == len(gold) and fit.calibration != IDENTITY
