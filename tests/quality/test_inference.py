"""Truth inference: hand-made crowds, edge cases, gold anchoring and crowd-kit equality."""

from __future__ import annotations

import numpy as np
import pytest

from quality import inference
from quality.inference import (
    GLAD,
    MACE,
    DawidSkene,
    MajorityVote,
    OneCoinDawidSkene,
    WeightedMajorityVote,
)

CATEGORICAL = [MajorityVote, WeightedMajorityVote, DawidSkene, OneCoinDawidSkene, GLAD, MACE]


def crowd(n_items: int = 60, seed: int = 0) -> tuple[list[tuple[int, str, str]], dict[int, str]]:
    """An expert (95%), a careless annotator (65%) and a spammer who always says 'cat'."""
    rng = np.random.default_rng(seed)
    truth = {t: ["cat", "dog", "bird"][rng.integers(3)] for t in range(n_items)}
    answers = []
    for t, label in truth.items():
        for name, acc in [("expert", 0.95), ("careless", 0.65), ("good", 0.85)]:
            if rng.random() < acc:
                answers.append((t, name, label))
            else:
                answers.append(
                    (t, name, rng.choice([x for x in ["cat", "dog", "bird"] if x != label]))
                )
        answers.append((t, "spammer", "cat"))
    return answers, truth


def accuracy(est, truth) -> float:
    got = est.labels_dict()
    return float(np.mean([got[t] == v for t, v in truth.items()]))


def synthetic_crowd(n_items=2000, n_workers=40, per_item=5, k=3, seed=0):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n_items)
    skill = rng.uniform(0.3, 0.95, n_workers)
    workers = np.stack([rng.choice(n_workers, per_item, replace=False) for _ in range(n_items)])
    tasks = np.repeat(np.arange(n_items), per_item)
    w = workers.ravel()
    right = rng.random(len(w)) < skill[w]
    labels = np.where(right, truth[tasks], (truth[tasks] + rng.integers(1, k, len(w))) % k)
    return np.column_stack([tasks, w, labels]), truth


# -- the public surface ------------------------------------------------------------------------


def test_public_surface() -> None:
    from quality import agreement

    for name in ["percent_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha"]:
        assert callable(getattr(agreement, name))
    est = inference.DawidSkene(n_iter=100, tol=1e-5)
    answers, _ = crowd()
    assert est.fit(answers, gold=None) is est
    assert isinstance(est.items_, list) and isinstance(est.classes_, list)
    assert isinstance(est.labels_, list) and len(est.labels_) == len(est.items_)
    assert isinstance(est.probas_, np.ndarray)
    assert est.probas_.shape == (len(est.items_), len(est.classes_))
    assert est.get_params() == {"n_iter": 100, "tol": 1e-5, "alpha": 0.0, "gold_init": True}


@pytest.mark.parametrize("cls", CATEGORICAL)
def test_hand_made_crowd(cls) -> None:
    answers, truth = crowd()
    est = cls().fit(answers)
    assert est.classes_ == ["bird", "cat", "dog"]
    assert np.allclose(est.probas_.sum(axis=1), 1.0)
    assert est.fit_predict(answers) == est.labels_
    # majority vote suffers from the spammer's constant "cat" (ties); the models see through it
    assert accuracy(est, truth) >= (0.7 if cls is MajorityVote else 0.85), cls.__name__
    skills = dict(zip(est.annotators_, est.skills_, strict=True))
    assert skills["expert"] > skills["spammer"], cls.__name__


def test_dawid_skene_learns_the_spammer_and_the_expert() -> None:
    answers, truth = crowd(n_items=300, seed=1)
    ds = DawidSkene().fit(answers)
    assert accuracy(ds, truth) >= 0.92
    w = {a: i for i, a in enumerate(ds.annotators_)}
    cat = ds.classes_.index("cat")
    # the spammer answers "cat" whatever the truth: a column of ones in their matrix
    assert np.allclose(ds.confusions_[w["spammer"], :, cat], 1.0, atol=1e-6)
    assert abs(ds.skills_[w["expert"]] - 0.95) < 0.06
    assert abs(ds.skills_[w["careless"]] - 0.65) < 0.07
    assert np.allclose(ds.confusions_.sum(axis=2), 1.0)
    assert ds.n_iter_ == len(ds.loss_history_) <= 100


def test_one_coin_skills_with_tolerance() -> None:
    answers, truth = crowd(n_items=300, seed=2)
    est = OneCoinDawidSkene().fit(answers)
    s = dict(zip(est.annotators_, est.skills_, strict=True))
    assert abs(s["expert"] - 0.95) < 0.04
    assert abs(s["careless"] - 0.65) < 0.07
    assert abs(s["spammer"] - 1 / 3) < 0.08
    assert accuracy(est, truth) > 0.93


def test_glad_gives_adversary_negative_ability() -> None:
    answers = [(t, w, t % 2 if w < 3 else 1 - t % 2) for t in range(40) for w in range(5)]
    glad = GLAD().fit(answers)
    assert glad.labels_ == [t % 2 for t in range(40)]
    assert glad.alphas_[3] < 0 < glad.alphas_[0]
    assert glad.betas_.shape == (40,)


def test_mace_finds_the_spammer() -> None:
    answers, truth = crowd(n_items=200, seed=3)
    mace = MACE().fit(answers)
    c = dict(zip(mace.annotators_, mace.competence_, strict=True))
    assert c["spammer"] < 0.1 and c["expert"] > 0.85
    assert accuracy(mace, truth) >= 0.9
    # variational weights: each row sums to slightly less than one
    assert np.all((mace.strategies_.sum(axis=1) <= 1.0) & (mace.strategies_.sum(axis=1) > 0.9))


def test_weighted_majority_vote_given_and_learnt_weights() -> None:
    answers = [("t1", "ann", "a"), ("t1", "bob", "b"), ("t1", "cid", "b")]
    assert WeightedMajorityVote().fit(answers, weights={"ann": 5.0}).labels_ == ["a"]
    assert WeightedMajorityVote().fit(
        answers, weights={"ann": 1.0, "bob": 1.0, "cid": 1.0}
    ).labels_ == ["b"]
    crowd_answers, truth = crowd(n_items=200, seed=4)
    wmv = WeightedMajorityVote().fit(crowd_answers)
    mv = MajorityVote().fit(crowd_answers)
    assert accuracy(wmv, truth) >= accuracy(mv, truth)
    w = dict(zip(wmv.annotators_, wmv.weights_, strict=True))
    assert w["expert"] > w["careless"] >= w["spammer"]


# -- edge cases ---------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", CATEGORICAL)
def test_empty_input(cls) -> None:
    est = cls().fit([])
    assert est.items_ == [] and est.labels_ == [] and est.probas_.shape[0] == 0
    est = cls().fit(np.zeros((0, 3)), classes=["a", "b"])
    assert est.classes_ == ["a", "b"] and est.probas_.shape == (0, 2)


@pytest.mark.parametrize("cls", CATEGORICAL)
def test_single_annotator(cls) -> None:
    answers = [(t, "solo", "yes" if t % 3 else "no") for t in range(12)]
    est = cls().fit(answers)
    assert est.labels_ == ["yes" if t % 3 else "no" for t in range(12)]
    assert est.annotators_ == ["solo"]


@pytest.mark.parametrize("cls", CATEGORICAL)
def test_label_nobody_chose(cls) -> None:
    answers, _ = crowd(n_items=30)
    est = cls().fit(answers, classes=["cat", "dog", "bird", "fish"])
    assert est.classes_ == ["cat", "dog", "bird", "fish"]
    assert est.probas_.shape == (30, 4)
    # models with a learnt prior put ~0 on it; GLAD and MACE keep a uniform prior
    assert np.all(est.probas_[:, 3] < (0.05 if cls in (GLAD, MACE) else 1e-3))
    assert "fish" not in est.labels_
    assert np.isfinite(est.probas_).all()


@pytest.mark.parametrize("cls", CATEGORICAL)
def test_duplicates_count_and_do_not_break(cls) -> None:
    answers = [
        ("t", "a", "x"),
        ("t", "a", "x"),
        ("t", "a", "x"),
        ("t", "b", "y"),
        ("t", "c", "y"),
        ("u", "a", "x"),
        ("u", "b", "x"),
    ]
    est = cls().fit(answers)
    assert len(est.items_) == 2 and np.isfinite(est.probas_).all()
    if cls is MajorityVote:  # a's three answers count three times, as in crowd-kit
        assert est.labels_ == ["x", "x"]
        assert np.allclose(est.probas_[0], [0.6, 0.4])


def test_missing_labels_are_dropped_and_mixed_ids_work() -> None:
    answers = [
        (1, "a", "x"),
        (1, "b", None),
        (1, "c", float("nan")),
        ((2, "b"), 7, "y"),
        ((2, "b"), "a", "y"),
    ]
    est = MajorityVote().fit(answers)
    assert est.labels_dict() == {1: "x", (2, "b"): "y"}
    assert sorted(map(str, est.annotators_)) == ["7", "a"]


def test_int_and_str_labels_stay_distinct() -> None:
    est = MajorityVote().fit([("t", "a", 1), ("t", "b", "1"), ("t", "c", 1)])
    assert est.labels_ == [1] and len(est.classes_) == 2


def test_array_input_equals_triples() -> None:
    arr, _ = synthetic_crowd(n_items=300, seed=5)
    triples = [tuple(r) for r in arr.tolist()]
    a = DawidSkene().fit(arr)
    b = DawidSkene().fit(triples)
    assert a.labels_dict() == b.labels_dict()
    assert np.allclose(a.probas_, b.probas_)


def test_encoding_fast_paths_keep_types_and_codes() -> None:
    from quality._data import encode, factorize

    arr, _ = synthetic_crowd(n_items=200, seed=3)
    triples = [tuple(r) for r in arr.tolist()]
    as_str = [(str(t), str(w), str(lab)) for t, w, lab in triples]
    fast, generic = encode(triples), encode(as_str)
    assert fast.items == list(range(200)) and all(type(i) is int for i in fast.items)
    assert [str(i) for i in fast.items] == sorted(generic.items, key=int)
    for name in ["tasks", "workers", "labels"]:  # same codes as the array path
        assert np.array_equal(getattr(fast, name), getattr(encode(arr), name))
    # a generator, a tuple of rows and an iterator give the same encoding
    assert np.array_equal(encode(iter(triples)).tasks, fast.tasks)
    assert np.array_equal(encode(tuple(triples)).labels, fast.labels)
    # types survive: bools, floats, numpy ints, ids beyond 64 bits, tuples as labels
    assert encode([(1, 2, True), (2, 2, False)]).classes == [False, True]
    assert encode([(1, 2, 1.0), (2, 2, 2.5)]).classes == [1.0, 2.5]
    assert all(type(c) is float for c in encode([(1, 2, 1.0), (2, 2, 2.0)]).classes)
    np_ints = encode([(np.int64(5), 1, 0), (np.int64(7), 1, 1)])
    assert np_ints.items == [5, 7] and type(np_ints.items[0]) is np.int64
    huge = encode([(2**70, 1, 0), (3, 1, 1)])
    assert huge.items == [3, 2**70]
    est = MajorityVote().fit([(1, "a", ("x", 1)), (1, "b", ("x", 1)), (2, "a", ("y", 2))])
    assert est.labels_ == [("x", 1), ("y", 2)]
    # sparse ids: codes follow sorted order
    codes, values = factorize([1000, 5, 10**9, 5])
    assert values == [5, 1000, 10**9] and codes.tolist() == [1, 0, 2, 0]
    codes, values = factorize(["b", "a", "b"])
    assert values == ["a", "b"] and codes.tolist() == [1, 0, 1]
    with pytest.raises(ValueError, match="triple"):
        encode([(1, 2, 3), (1, 2)])
    with pytest.raises(ValueError, match="triple"):
        encode([(1, 2, 3, 4)])


def test_majority_vote_ties_are_reproducible() -> None:
    answers = [
        ("t1", "a", "x"),
        ("t1", "b", "y"),
        ("t2", "a", "y"),
        ("t2", "b", "y"),
        ("t2", "c", "y"),
    ]
    first = MajorityVote().fit(answers).labels_
    assert first == MajorityVote().fit(list(reversed(answers))).labels_
    assert first[0] == "y"  # the tie on t1 goes to the label answered most often overall


# -- gold anchoring ----------------------------------------------------------------------------


@pytest.mark.parametrize("cls", CATEGORICAL)
def test_gold_items_are_clamped(cls) -> None:
    answers, truth = crowd(n_items=60, seed=6)
    gold = {t: truth[t] for t in range(0, 60, 4)}
    est = cls().fit(answers, gold=gold)
    got = est.labels_dict()
    assert all(got[t] == v for t, v in gold.items())
    idx = {t: i for i, t in enumerate(est.items_)}
    for t, v in gold.items():
        assert est.probas_[idx[t], est.classes_.index(v)] == 1.0


def test_gold_anchoring_fixes_a_flipped_crowd() -> None:
    # most annotators systematically swap the two labels: without gold the swap wins
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 2, 400)
    answers = []
    for t, z in enumerate(truth):
        for w in range(4):
            answers.append((t, f"swap{w}", int(1 - z) if rng.random() < 0.9 else int(z)))
        answers.append((t, "honest", int(z) if rng.random() < 0.8 else int(1 - z)))
    plain = DawidSkene().fit(answers)
    gold = {t: int(truth[t]) for t in range(0, 400, 20)}  # 5% gold
    anchored = DawidSkene().fit(answers, gold=gold)

    def acc(est):
        got = est.labels_dict()
        return np.mean([got[t] == truth[t] for t in range(400)])

    assert acc(plain) < 0.2
    assert acc(anchored) > 0.95
    clamped_only = DawidSkene(gold_init=False).fit(answers, gold=gold)
    assert acc(clamped_only) < 0.2  # crowd-kit's clamping alone stays in the swapped solution
    w = {a: i for i, a in enumerate(anchored.annotators_)}
    assert anchored.confusions_[w["swap0"], 0, 1] > 0.8  # learnt from the gold items


def test_gold_init_blends_the_gold_record_with_majority_vote() -> None:
    from quality._data import encode
    from quality.inference._em import AnswerMatrix

    # a, b answer 4 items; c answers the last two; gold on item 0 (a and b right there)
    answers = [(0, "a", "x"), (0, "b", "x"), (1, "a", "y"), (1, "b", "x")]
    answers += [(2, "a", "y"), (2, "b", "y"), (2, "c", "x"), (3, "a", "x"), (3, "c", "x")]
    data = encode(answers, gold={0: "x"})
    matrix = AnswerMatrix(data)
    est = DawidSkene()
    probas = est._initial_probas(data, matrix)
    plain = DawidSkene(gold_init=False)._initial_errors(data, matrix, probas)
    start = est._initial_errors(data, matrix, probas)  # errors[w, answered, true]
    # c has no gold answer: exactly the majority-vote start
    assert np.allclose(start[2], plain[2], atol=1e-12)
    # a: one gold answer "x" for true "x" on top of 3 pseudo-answers shaped like plain[0]
    expected_x = (np.array([1.0, 0.0]) + 3.0 * plain[0][:, 0]) / 4.0
    assert np.allclose(start[0][:, 0], expected_x, atol=1e-12)
    assert np.allclose(start[0][:, 1], plain[0][:, 1], atol=1e-12)  # no gold for true "y"
    assert np.allclose(start.sum(axis=1), 1.0)


def test_gold_label_outside_answers_becomes_a_class() -> None:
    est = DawidSkene().fit(
        [("t", "a", "x"), ("t", "b", "x"), ("u", "a", "x")], gold={"u": "z", "nobody": "q"}
    )
    assert est.classes_ == ["x", "z"]
    assert est.items_ == ["t", "u"]
    assert est.labels_dict()["u"] == "z"


# -- against crowd-kit ------------------------------------------------------------------------


def _crowdkit_frame(answers):
    pd = pytest.importorskip("pandas")
    return pd.DataFrame(list(answers), columns=["task", "worker", "label"])


@pytest.mark.parametrize(
    "name", ["snow_rte", "zheng_d_possent", "act_ms", "zheng_s_dog", "act_zencrowd_in"]
)
def test_dawid_skene_equals_crowdkit_on_real_data(crowd_truth, name: str) -> None:
    aggregation = pytest.importorskip("crowdkit.aggregation")
    answers, _ = crowd_truth(name)
    ours = DawidSkene(n_iter=100, tol=1e-5).fit(answers)
    ck = aggregation.DawidSkene(n_iter=100, tol=1e-5).fit(_crowdkit_frame(answers))
    ck_labels = ck.labels_.to_dict()
    same = np.mean([ck_labels[t] == lab for t, lab in zip(ours.items_, ours.labels_, strict=True)])
    assert same >= 0.995
    assert ours.n_iter_ == len(ck.loss_history_)
    ck_probas = ck.probas_.reindex(index=ours.items_, columns=ours.classes_).to_numpy()
    assert np.abs(ck_probas - ours.probas_).max() < 1e-6


@pytest.mark.parametrize("seed", range(3))
def test_dawid_skene_equals_crowdkit_on_random_data(seed: int) -> None:
    aggregation = pytest.importorskip("crowdkit.aggregation")
    arr, _ = synthetic_crowd(seed=seed)
    ours = DawidSkene().fit(arr)
    ck = aggregation.DawidSkene(n_iter=100, tol=1e-5).fit(_crowdkit_frame(arr.tolist()))
    ck_labels = ck.labels_.to_dict()
    same = np.mean([ck_labels[t] == lab for t, lab in zip(ours.items_, ours.labels_, strict=True)])
    assert same >= 0.995


def test_dawid_skene_gold_equals_crowdkit(crowd_truth) -> None:
    aggregation = pytest.importorskip("crowdkit.aggregation")
    pd = pytest.importorskip("pandas")
    answers, truth = crowd_truth("snow_rte")
    gold = dict(sorted(truth.items())[::20])
    ours = DawidSkene(gold_init=False).fit(answers, gold=gold)
    ck = aggregation.DawidSkene(n_iter=100, tol=1e-5).fit(_crowdkit_frame(answers), pd.Series(gold))
    ck_labels = ck.labels_.to_dict()
    same = np.mean([ck_labels[t] == lab for t, lab in zip(ours.items_, ours.labels_, strict=True)])
    assert same >= 0.995


def test_one_coin_equals_crowdkit(crowd_truth) -> None:
    aggregation = pytest.importorskip("crowdkit.aggregation")
    answers, _ = crowd_truth("snow_temp")
    ours = OneCoinDawidSkene().fit(answers)
    ck = aggregation.OneCoinDawidSkene(n_iter=100, tol=1e-5).fit(_crowdkit_frame(answers))
    ck_labels = ck.labels_.to_dict()
    same = np.mean([ck_labels[t] == lab for t, lab in zip(ours.items_, ours.labels_, strict=True)])
    assert same >= 0.995
    ck_skills = ck.skills_.reindex(ours.annotators_).to_numpy()
    assert np.abs(ck_skills - ours.skills_).max() < 1e-6


def test_majority_vote_probas_equal_crowdkit(crowd_truth) -> None:
    aggregation = pytest.importorskip("crowdkit.aggregation")
    answers, _ = crowd_truth("act_zencrowd_in")  # has duplicate (item, worker) pairs
    ours = MajorityVote().fit(answers)
    ck = aggregation.MajorityVote().fit(_crowdkit_frame(answers))
    ck_probas = ck.probas_.reindex(index=ours.items_, columns=ours.classes_).to_numpy()
    assert np.abs(ck_probas - ours.probas_).max() < 1e-12
    # labels agree wherever the vote is not tied (crowd-kit orders tied labels differently)
    untied = np.sort(ours.probas_, axis=1)[:, -1] > np.sort(ours.probas_, axis=1)[:, -2]
    ck_labels = ck.labels_.to_dict()
    assert all(
        ck_labels[t] == lab
        for t, lab, u in zip(ours.items_, ours.labels_, untied, strict=True)
        if u
    )


def test_default_estimator_is_documented_dawid_skene(crowd_truth) -> None:
    est = inference.default_estimator()
    assert isinstance(est, DawidSkene)
    assert est.get_params() == {"n_iter": 100, "tol": 1e-5, "alpha": 0.0, "gold_init": True}
    assert "DawidSkene" in inference.DEFAULT_METHOD
    answers, truth = crowd_truth("zheng_d_possent")
    got = est.fit(answers).labels_dict()
    assert np.mean([got[t] == v for t, v in truth.items()]) >= 0.955
