"""Agreement metrics against scikit-learn, statsmodels and the krippendorff package."""

from __future__ import annotations

import math

import numpy as np
import pytest

from quality import agreement

LEVELS = ["nominal", "ordinal", "interval", "ratio"]


def random_ratings(
    seed: int, n_annotators: int = 6, n_items: int = 50, n_values: int = 5, missing: float = 0.3
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, n_values + 1, n_items)
    shape = (n_annotators, n_items)
    noise = rng.integers(-1, 2, shape) * (rng.random(shape) < 0.4)
    r = np.clip(truth + noise, 1, n_values).astype(float)
    r[rng.random(r.shape) < missing] = np.nan
    return r


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("level", LEVELS)
def test_krippendorff_matches_package_on_random_data(seed: int, level: str) -> None:
    krippendorff = pytest.importorskip("krippendorff")
    r = random_ratings(seed)
    expected = krippendorff.alpha(reliability_data=r, level_of_measurement=level)
    assert abs(agreement.krippendorff_alpha(r, level=level) - expected) < 1e-9


def test_krippendorff_accepts_lists_with_none_and_string_labels() -> None:
    krippendorff = pytest.importorskip("krippendorff")
    words = [["a", "b", None, "c"], ["a", "b", "b", "c"], [None, "a", "b", "c"]]
    codes = [
        [{"a": 1, "b": 2, "c": 3}.get(v, np.nan) if v else np.nan for v in row] for row in words
    ]
    expected = krippendorff.alpha(
        reliability_data=np.array(codes, dtype=float), level_of_measurement="nominal"
    )
    assert abs(agreement.krippendorff_alpha(words) - expected) < 1e-9


def test_krippendorff_on_real_data(crowd_truth) -> None:
    krippendorff = pytest.importorskip("krippendorff")
    answers, _ = crowd_truth("snow_temp")
    items = sorted({a[0] for a in answers})
    workers = sorted({a[1] for a in answers})
    ii = {x: i for i, x in enumerate(items)}
    wi = {x: i for i, x in enumerate(workers)}
    table = np.full((len(workers), len(items)), np.nan)
    for item, worker, label in answers:
        table[wi[worker], ii[item]] = float(label)
    for level in LEVELS:
        expected = krippendorff.alpha(reliability_data=table, level_of_measurement=level)
        assert abs(agreement.krippendorff_alpha(table, level=level) - expected) < 1e-9


def test_krippendorff_perfect_and_undefined() -> None:
    assert agreement.krippendorff_alpha([[1, 2, 3], [1, 2, 3]]) == 1.0
    assert math.isnan(agreement.krippendorff_alpha([[1, 1, 1], [1, 1, 1]]))  # no variation
    assert math.isnan(agreement.krippendorff_alpha([[1, None], [None, 2]]))  # nothing pairable
    assert math.isnan(agreement.krippendorff_alpha([]))
    with pytest.raises(ValueError):
        agreement.krippendorff_alpha([["a", "b"], ["a", "b"]], level="interval")
    with pytest.raises(ValueError):
        agreement.krippendorff_alpha([[1, 2]], level="cardinal")


def test_bootstrap_interval_brackets_alpha_and_is_reproducible() -> None:
    r = random_ratings(3, n_items=120)
    first = agreement.krippendorff_alpha_ci(r, "ordinal", n_boot=400, seed=7)
    again = agreement.krippendorff_alpha_ci(r, "ordinal", n_boot=400, seed=7)
    assert first == again
    assert first["low"] < first["alpha"] < first["high"]
    assert abs(first["alpha"] - agreement.krippendorff_alpha(r, "ordinal")) < 1e-12
    assert 0.05 < first["high"] - first["low"] < 0.5
    assert first["n_boot"] == 400


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_matches_sklearn(seed: int, weights: str | None) -> None:
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(seed)
    a = rng.integers(0, 4, 80)
    b = np.where(rng.random(80) < 0.6, a, rng.integers(0, 4, 80))
    expected = cohen_kappa_score(a, b, weights=weights)
    assert abs(agreement.cohen_kappa(a.tolist(), b.tolist(), weights) - expected) < 1e-9


def test_cohen_kappa_skips_missing_and_handles_degenerate_pairs() -> None:
    from sklearn.metrics import cohen_kappa_score

    a = ["x", "y", None, "y", "x", "x"]
    b = ["x", "y", "y", float("nan"), "y", "x"]
    expected = cohen_kappa_score(["x", "y", "x", "x"], ["x", "y", "y", "x"])
    assert abs(agreement.cohen_kappa(a, b) - expected) < 1e-9
    assert math.isnan(agreement.cohen_kappa(["x", "x"], ["x", "x"]))
    assert math.isnan(agreement.cohen_kappa([None], ["x"]))
    with pytest.raises(ValueError):
        agreement.cohen_kappa(["x"], ["x", "y"])


def test_cohen_kappa_matrix_equals_pairwise_sklearn() -> None:
    from sklearn.metrics import cohen_kappa_score

    r = random_ratings(11, n_annotators=4, n_items=60, missing=0.2)
    m = agreement.cohen_kappa_matrix(r)
    assert m.shape == (4, 4)
    assert np.allclose(np.diag(m), 1.0)
    assert np.allclose(m, m.T, equal_nan=True)
    for i in range(4):
        for j in range(i + 1, 4):
            both = ~np.isnan(r[i]) & ~np.isnan(r[j])
            assert abs(m[i, j] - cohen_kappa_score(r[i][both], r[j][both])) < 1e-9


def test_cohen_kappa_matrix_min_overlap() -> None:
    m = agreement.cohen_kappa_matrix([[1, 2, None], [1, None, 2]], min_overlap=2)
    assert math.isnan(m[0, 1])


@pytest.mark.parametrize("seed", range(5))
def test_fleiss_kappa_matches_statsmodels(seed: int) -> None:
    inter_rater = pytest.importorskip("statsmodels.stats.inter_rater")
    rng = np.random.default_rng(seed)
    table = np.array([rng.multinomial(7, rng.dirichlet([1, 1, 1, 1])) for _ in range(60)])
    assert abs(agreement.fleiss_kappa(table) - inter_rater.fleiss_kappa(table)) < 1e-9


def test_fleiss_kappa_on_real_data(crowd_truth) -> None:
    inter_rater = pytest.importorskip("statsmodels.stats.inter_rater")
    answers, _ = crowd_truth("zheng_d_possent")  # 20 answers on every item
    items = sorted({a[0] for a in answers})
    workers = sorted({a[1] for a in answers})
    ii = {x: i for i, x in enumerate(items)}
    wi = {x: i for i, x in enumerate(workers)}
    ratings = [[None] * len(items) for _ in workers]
    for item, worker, label in answers:
        ratings[wi[worker]][ii[item]] = label
    table, categories = agreement.counts_table(ratings)
    assert categories == ["0", "1"]
    assert set(table.sum(axis=1)) == {20.0}
    assert abs(agreement.fleiss_kappa(table) - inter_rater.fleiss_kappa(table)) < 1e-9


def test_fleiss_kappa_hand_computed_and_degenerate() -> None:
    assert abs(agreement.fleiss_kappa([[3, 0], [0, 3], [2, 1]]) - 0.55) < 1e-12
    assert math.isnan(agreement.fleiss_kappa([[2, 0], [2, 0]]))
    assert math.isnan(agreement.fleiss_kappa([]))


def test_percent_agreement() -> None:
    ratings = [["a", "b", "a"], ["a", "b", "b"], ["a", None, "b"]]
    assert abs(agreement.percent_agreement(ratings) - 7 / 9) < 1e-12
    assert agreement.percent_agreement([[1, 2], [1, 2]]) == 1.0
    assert math.isnan(agreement.percent_agreement([[1, None]]))
    # equals statsmodels-style observed agreement P_o for a full table
    r = random_ratings(5, missing=0.0)
    table, _ = agreement.counts_table(r)
    n = table.sum(axis=1)
    expected = ((table * (table - 1)).sum(axis=1) / (n * (n - 1))).mean()
    assert abs(agreement.percent_agreement(r) - expected) < 1e-12
