"""Benchmark of quality/ truth inference against crowd-kit and the published tables.

Run on demand (not collected by pytest)::

    .venv/bin/python tests/benchmarks/bench_quality.py [--skip-crowdkit-slow] [--skip-1m]
        [--sets snow_rte,zheng_d_product] [--out tests/benchmarks/results/quality.md]

For every categorical set of ``../shared/benchmarks/crowd_truth`` it runs our estimators and
crowd-kit's same methods in this process (accuracy on gold items that have answers — S_Adult:
its 333 answered gold items — duplicates kept), prints them next to the published figures
(Zheng et al. 2017 table 6; crowd-kit JOSS paper), compares 5% gold anchoring with the
unanchored default, reports MAE on N_Emotion, and times Dawid-Skene on a synthetic crowd of
1,000,000 answers. The markdown it prints is also written to ``--out``.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
DATA = REPO / ".." / "shared" / "benchmarks" / "crowd_truth"

from quality import inference  # noqa: E402

# Published accuracies (percent) from the data README: Zheng et al. 2017 table 6 and the
# crowd-kit JOSS paper (Ustalov et al. 2024). Only these four sets appear there.
ZHENG = {
    "zheng_d_product": {"MV": 89.66, "GLAD": 92.20, "DS": 93.66},
    "zheng_d_possent": {"MV": 93.31, "GLAD": 95.20, "DS": 96.00},
    "zheng_s_rel": {"MV": 54.19, "GLAD": 53.59, "DS": 61.30},
    "zheng_s_adult": {"MV": 36.04, "GLAD": 36.47, "DS": 36.05},
}
JOSS = {
    "zheng_d_product": {"MV": 89.7, "DS": 94.0, "GLAD": 92.8, "MACE": 92.9},
    "zheng_d_possent": {"MV": 93.2, "DS": 96.0, "GLAD": 94.8, "MACE": 95.0},
    "zheng_s_rel": {"MV": 53.6, "DS": 61.5, "GLAD": 51.1, "MACE": 50.1},
    "zheng_s_adult": {"MV": 76.3, "DS": 74.8, "GLAD": 76.0, "MACE": 76.3},
}
EMOTION_PUBLISHED = {"Mean": 12.02, "Median": 13.53, "LFC_N": 12.20, "PM": 13.91, "CATD": 16.36}

OURS: dict[str, Callable[[], Any]] = {
    "MV": inference.MajorityVote,
    "WMV": inference.WeightedMajorityVote,
    "OCDS": inference.OneCoinDawidSkene,
    "DS": inference.DawidSkene,
    "GLAD": inference.GLAD,
    "MACE": inference.MACE,
}
CK_FAST = ["MV", "OCDS", "DS"]
CK_SLOW = ["GLAD", "MACE"]


def load(name: str) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    with open(DATA / name / "answers.csv", newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        next(rows)
        answers = [(r[0], r[1], r[2]) for r in rows]
    with open(DATA / name / "truth.csv", newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        next(rows)
        truth = {r[0]: r[1] for r in rows}
    answered = {a[0] for a in answers}
    return answers, {k: v for k, v in truth.items() if k in answered}


def accuracy(labels: dict[Any, Any], truth: dict[str, str]) -> float:
    return 100.0 * float(np.mean([str(labels.get(k)) == v for k, v in truth.items()]))


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def crowdkit_methods() -> dict[str, Callable[[], Any]]:
    from crowdkit import aggregation as ck

    return {
        "MV": ck.MajorityVote,
        "OCDS": lambda: ck.OneCoinDawidSkene(n_iter=100, tol=1e-5),
        "DS": lambda: ck.DawidSkene(n_iter=100, tol=1e-5),
        "GLAD": ck.GLAD,
        "MACE": ck.MACE,
    }


def categorical_sets() -> list[str]:
    return sorted(p.name for p in DATA.iterdir() if p.is_dir() and p.name != "zheng_n_emotion")


def run_categorical(sets: list[str], with_slow: bool, out: list[str]) -> dict[str, Any]:
    import pandas as pd

    ck = crowdkit_methods()
    results: dict[str, Any] = {}
    out.append("## Accuracy (%) and seconds per data set\n")
    out.append(
        "Ours and crowd-kit 1.4.2 in the same process, on the gold items that have answers. "
        "`default` is `inference.default_estimator()` "
        f"(`{inference.DEFAULT_METHOD}`). Cells: accuracy / seconds.\n"
    )
    for name in sets:
        answers, truth = load(name)
        frame = pd.DataFrame(answers, columns=["task", "worker", "label"])
        row: dict[str, Any] = {"ours": {}, "ck": {}}
        for m, make in OURS.items():
            est, sec = timed(lambda make=make, a=answers: make().fit(a))
            row["ours"][m] = (accuracy(est.labels_dict(), truth), sec)
        est, sec = timed(lambda a=answers: inference.default_estimator().fit(a))
        row["ours"]["default"] = (accuracy(est.labels_dict(), truth), sec)
        for m in CK_FAST + (CK_SLOW if with_slow else []):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                labels, sec = timed(lambda m=m, f=frame: ck[m]().fit_predict(f))
            row["ck"][m] = (accuracy(labels.to_dict(), truth), sec)
        results[name] = row
        lines = [
            f"### {name}  ({len(answers):,} answers, {len(truth):,} gold items evaluated)\n",
            "| method | ours acc | ours s | crowd-kit acc | crowd-kit s | speed-up "
            "| Zheng 2017 | JOSS 2024 |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for m in ["MV", "WMV", "OCDS", "DS", "GLAD", "MACE", "default"]:
            oa, os_ = row["ours"][m]
            ca, cs = row["ck"].get(m, (None, None))
            ck_acc = f"{ca:.2f}" if ca is not None else "skipped" if m in CK_SLOW else "-"
            ck_sec = f"{cs:.3f}" if cs is not None else "-"
            speed = f"{cs / os_:.0f}x" if cs is not None and os_ > 0 else "-"
            z = ZHENG.get(name, {}).get(m)
            j = JOSS.get(name, {}).get(m)
            lines.append(
                f"| {m} | {oa:.2f} | {os_:.3f} | {ck_acc} | {ck_sec} | {speed} | "
                f"{z if z is not None else '-'} | {j if j is not None else '-'} |"
            )
        block = "\n".join(lines) + "\n"
        print(block, flush=True)
        out.append(block)
    return results


def summarize(results: dict[str, Any], with_slow: bool, out: list[str]) -> None:
    lines = [
        "## Default method vs crowd-kit\n",
        "`best crowd-kit` is the best of the crowd-kit methods run here "
        f"({', '.join(CK_FAST + (CK_SLOW if with_slow else []))}).\n",
        "| data set | default | best crowd-kit (method) | crowd-kit DS | >= best | "
        "within 0.5 of DS |",
        "|---|---|---|---|---|---|",
    ]
    wins = within = 0
    for name, row in results.items():
        d = row["ours"]["default"][0]
        best_m = max(row["ck"], key=lambda m: row["ck"][m][0])
        best = row["ck"][best_m][0]
        ds = row["ck"]["DS"][0]
        win = d >= best - 1e-9
        ok = d >= ds - 0.5
        wins += win
        within += ok
        lines.append(
            f"| {name} | {d:.2f} | {best:.2f} ({best_m}) | {ds:.2f} | "
            f"{'yes' if win else 'no'} | {'yes' if ok else 'NO'} |"
        )
    lines.append(
        f"\nDefault >= best crowd-kit method on **{wins} of {len(results)}** sets; "
        f"within 0.5 points of crowd-kit DS on **{within} of {len(results)}**.\n"
    )
    if with_slow:
        ratios = {
            m: [row["ck"][m][1] / row["ours"][m][1] for row in results.values()]
            for m in ["DS", "GLAD", "MACE"]
        }
        for m, r in ratios.items():
            lines.append(
                f"- {m} speed-up over crowd-kit on the real sets: min {min(r):.0f}x, "
                f"median {np.median(r):.0f}x, max {max(r):.0f}x"
            )
    block = "\n".join(lines) + "\n"
    print(block, flush=True)
    out.append(block)


def run_gold(sets: list[str], out: list[str], fraction: float = 0.05, seed: int = 0) -> None:
    lines = [
        "## Gold anchoring: 5% of items as gold\n",
        f"{fraction:.0%} of each set's answered items (drawn from its gold items, "
        f"seed {seed}) "
        "are given as gold; accuracy is measured on the remaining gold items only, for the "
        "same default method unanchored and anchored, and for crowd-kit-style clamping only "
        "(`DawidSkene(gold_init=False)`).\n",
        "| data set | gold given | unanchored | anchored (default) | clamp only | gain |",
        "|---|---|---|---|---|---|",
    ]
    raised = 0
    for name in sets:
        answers, truth = load(name)
        rng = np.random.default_rng(seed)
        n_items = len({a[0] for a in answers})
        keys = sorted(truth)
        n_gold = min(len(keys) - 1, max(1, round(fraction * n_items)))
        chosen = set(rng.choice(len(keys), n_gold, replace=False).tolist())
        gold = {keys[i]: truth[keys[i]] for i in chosen}
        rest = {k: v for k, v in truth.items() if k not in gold}
        plain = accuracy(inference.default_estimator().fit(answers).labels_dict(), rest)
        anchored = accuracy(
            inference.default_estimator().fit(answers, gold=gold).labels_dict(), rest
        )
        clamp = accuracy(
            inference.DawidSkene(gold_init=False).fit(answers, gold=gold).labels_dict(), rest
        )
        raised += anchored > plain
        lines.append(
            f"| {name} | {len(gold)} | {plain:.2f} | {anchored:.2f} | {clamp:.2f} | "
            f"{anchored - plain:+.2f} |"
        )
    lines.append(f"\nAnchoring raised accuracy on **{raised} of {len(sets)}** sets.\n")
    block = "\n".join(lines) + "\n"
    print(block, flush=True)
    out.append(block)


def run_emotion(out: list[str]) -> None:
    answers, truth = load("zheng_n_emotion")
    answers_f = [(t, w, float(v)) for t, w, v in answers]
    lines = [
        "## N_Emotion (numeric): MAE\n",
        "| method | ours MAE | ours RMSE | Zheng 2017 MAE |",
        "|---|---|---|---|",
    ]
    for label, make, pub in [
        ("Mean", inference.MeanAggregator, "Mean"),
        ("Median", inference.MedianAggregator, "Median"),
        ("Reliability-weighted", inference.ReliabilityWeightedMean, "LFC_N"),
    ]:
        est = make().fit(answers_f).labels_dict()
        err = np.asarray([est[k] - float(v) for k, v in truth.items()])
        lines.append(
            f"| {label} | {np.abs(err).mean():.2f} | {np.sqrt((err**2).mean()):.2f} | "
            f"{EMOTION_PUBLISHED[pub]} ({pub}) |"
        )
    block = "\n".join(lines) + "\n"
    print(block, flush=True)
    out.append(block)


def synthetic_crowd(
    n_items: int, n_workers: int, per_item: int, n_classes: int = 4, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Mixed-skill crowd: 20% experts, 40% good, 25% careless, 15% spammers; distinct workers."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_classes, n_items)
    kind = rng.choice(4, n_workers, p=[0.2, 0.4, 0.25, 0.15])
    skill = np.choose(
        kind,
        [
            rng.uniform(0.85, 0.98, n_workers),
            rng.uniform(0.65, 0.85, n_workers),
            rng.uniform(0.4, 0.65, n_workers),
            np.full(n_workers, 1.0 / n_classes),
        ],
    )
    workers = rng.integers(0, n_workers, (n_items, per_item))
    for _ in range(50):  # redraw items that got the same worker twice
        s = np.sort(workers, axis=1)
        dup = (np.diff(s, axis=1) == 0).any(axis=1)
        if not dup.any():
            break
        workers[dup] = rng.integers(0, n_workers, (int(dup.sum()), per_item))
    tasks = np.repeat(np.arange(n_items), per_item)
    w = workers.ravel()
    right = rng.random(len(w)) < skill[w]
    wrong = (truth[tasks] + rng.integers(1, n_classes, len(w))) % n_classes
    labels = np.where(right, truth[tasks], wrong)
    spam = kind[w] == 3
    labels[spam] = rng.integers(0, n_classes, int(spam.sum()))
    return np.column_stack([tasks, w, labels]), truth


def run_synthetic(out: list[str], with_slow: bool, repeats: int = 3) -> None:
    import pandas as pd

    ck = crowdkit_methods()
    arr, truth = synthetic_crowd(100_000, 1_000, 10)
    frame = pd.DataFrame(arr, columns=["task", "worker", "label"])
    triples = [tuple(r) for r in arr.tolist()]
    lines = [
        "## Synthetic crowd: 1,000,000 answers (100,000 items, 1,000 workers, 10 per item)\n",
        "Workers: 20% experts (85-98%), 40% good (65-85%), 25% careless (40-65%), 15% "
        "uniform spammers; 4 classes. Best of "
        f"{repeats} runs each (the machine is shared, so single runs are noisy).\n",
        "| run | seconds (best) | seconds (all) | iterations | accuracy | same labels as "
        "crowd-kit DS |",
        "|---|---|---|---|---|---|",
    ]
    ck_times = []
    ck_est = None
    for _ in range(repeats):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ck_est, sec = timed(lambda: ck["DS"]().fit(frame))
        ck_times.append(sec)
    assert ck_est is not None
    ck_labels = ck_est.labels_.sort_index().to_numpy()
    rows = [
        (
            "crowd-kit DawidSkene (DataFrame)",
            ck_times,
            len(ck_est.loss_history_),
            100.0 * float(np.mean(ck_labels == truth)),
            "-",
        )
    ]
    for label, data in [
        ("ours DawidSkene (int array)", arr),
        ("ours DawidSkene (list of tuples)", triples),
    ]:
        times = []
        est = None
        for _ in range(repeats):
            est, sec = timed(lambda data=data: inference.DawidSkene().fit(data))
            times.append(sec)
        assert est is not None
        ours = np.asarray(est.labels_)[np.argsort(np.asarray(est.items_))]
        rows.append(
            (
                label,
                times,
                est.n_iter_,
                100.0 * float(np.mean(ours == truth)),
                f"{100.0 * float(np.mean(ours == ck_labels)):.3f}%",
            )
        )
    for label, times, iters, acc, same in rows:
        lines.append(
            f"| {label} | {min(times):.3f} | {', '.join(f'{t:.3f}' for t in times)} | "
            f"{iters} | {acc:.2f} | {same} |"
        )
    lines.append(
        f"\nSpeed-up of our DS (array input) over crowd-kit DS: "
        f"**{min(ck_times) / min(rows[1][1]):.1f}x** (best of {repeats}); "
        f"with list-of-tuples input (encoding included): "
        f"**{min(ck_times) / min(rows[2][1]):.1f}x**.\n"
    )
    if with_slow:
        small, small_truth = synthetic_crowd(5_000, 200, 5, seed=1)
        small_frame = pd.DataFrame(small, columns=["task", "worker", "label"])
        lines += [
            "### GLAD and MACE on a smaller synthetic crowd (25,000 answers)\n",
            "| method | ours s | ours acc | crowd-kit s | crowd-kit acc | speed-up |",
            "|---|---|---|---|---|---|",
        ]
        for m in CK_SLOW:
            est, sec = timed(lambda m=m: OURS[m]().fit(small))
            ours = np.asarray(est.labels_)[np.argsort(np.asarray(est.items_))]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                labels, csec = timed(lambda m=m: ck[m]().fit_predict(small_frame))
            ck_acc = 100.0 * float(np.mean(labels.sort_index().to_numpy() == small_truth))
            lines.append(
                f"| {m} | {sec:.3f} | {100 * np.mean(ours == small_truth):.2f} | "
                f"{csec:.3f} | {ck_acc:.2f} | {csec / sec:.0f}x |"
            )
    block = "\n".join(lines) + "\n"
    print(block, flush=True)
    out.append(block)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--skip-crowdkit-slow",
        action="store_true",
        help="do not run crowd-kit's GLAD and MACE (15-200 s per large set)",
    )
    parser.add_argument("--skip-1m", action="store_true", help="skip the 1M-answer crowd")
    parser.add_argument("--sets", default="", help="comma-separated subset of data sets")
    parser.add_argument("--out", default=str(REPO / "tests/benchmarks/results/quality.md"))
    args = parser.parse_args()
    if not DATA.exists():
        sys.exit(f"benchmark data not found at {DATA}")
    with_slow = not args.skip_crowdkit_slow
    sets = [s for s in args.sets.split(",") if s] or categorical_sets()
    out = [
        "# quality/ benchmark\n",
        f"Run {time.strftime('%Y-%m-%d %H:%M')} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}; load average at start "
        f"{os.getloadavg()[0]:.1f} (the machine is shared with other jobs, so seconds are "
        "noisy; ours and crowd-kit's were timed in the same process, one after the "
        "other).\n",
    ]
    print(out[0] + out[1], flush=True)
    results = run_categorical(sets, with_slow, out)
    summarize(results, with_slow, out)
    run_gold(sets, out)
    run_emotion(out)
    if not args.skip_1m:
        run_synthetic(out, with_slow)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(out), encoding="utf-8")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
