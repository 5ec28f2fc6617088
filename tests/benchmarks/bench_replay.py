"""Label quality per yuan on the 19 real crowds: adaptive overlap replayed, method chosen by gold,
calibration of consensus confidence. Writes ``tests/benchmarks/results/replay.md``.

    .venv/bin/python tests/benchmarks/bench_replay.py [--sets a,b] [--draws 5] [--ck-fast]

Per data set (``datasets/crowd_truth``):

* **Replay** (``replay_sim.replay``): the platform's adaptive rule at a few ``agreement_target``
  values (overlap 2, max_overlap = every recorded answer), answers revealed in a seeded shuffled
  order; accuracy on the gold items and the share of the recorded answers used. Next to it:
  crowd-kit's best method on every answer (the best of its MV, one-coin DS, DS, GLAD and MACE on
  that set, chosen with hindsight) and majority vote that stops at a vote margin of 3.
* **Gold-chosen method**: 5% of the gold items drawn at random as the project's gold (5 draws);
  ``quality.confidence.choose_by_gold`` picks a method by cross-validation on them, the method is
  fitted with that gold, and scored on the other 95%; against crowd-kit's best and Dawid-Skene on
  the same 95% (fitted on every answer, without gold). Medians of the draws.
* **Calibration**: ECE (10 bins) of the calibrated confidence of the default method on every
  answer, and of its raw posterior, against the truth; a pooled reliability table; and ECE per
  kind on the crowd simulator (``replay_simulated.py``).

crowd-kit's labels are cached in ``var/bench_cache/crowdkit`` (GLAD and MACE take minutes).
"""

from __future__ import annotations

import argparse
import json
import pickle
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from replay_sim import encode_crowd, margin_vote, replay, reveal_order  # noqa: E402
from replay_simulated import simulate  # noqa: E402

from quality.confidence import (  # noqa: E402
    choose_by_gold,
    expected_calibration_error,
    fit_method,
    infer_classes,
    reliability_bins,
)
from tests.support import crowd_truth  # noqa: E402

TARGETS = (0.95, 0.99, 0.999)
RICH = (  # the issue's 10 categorical sets with >= 9 answers per item
    "zheng_d_possent",
    "zheng_d_duck_bluebirds",
    "snow_rte",
    "snow_temp",
    "snow_wsd",
    "act_sp_amt",
    "zheng_s_dog",
    "zheng_s_face",
    "act_cf_amt",
    "act_zencrowd_all",
)
CK_METHODS = ("MV", "OCDS", "DS", "GLAD", "MACE")
CACHE = REPO / "var" / "bench_cache" / "crowdkit"
ROWS = REPO / "var" / "bench_cache" / "replay_rows"


def crowdkit_labels(name: str, answers: list, methods: tuple[str, ...]) -> dict[str, dict]:
    """crowd-kit 1.4.2's labels per method on every answer (cached per set)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{name}.json"
    cached: dict[str, dict] = json.loads(path.read_text()) if path.exists() else {}
    missing = [m for m in methods if m not in cached]
    if missing:
        import pandas as pd
        from crowdkit import aggregation as ck

        makers = {
            "MV": ck.MajorityVote,
            "OCDS": lambda: ck.OneCoinDawidSkene(n_iter=100, tol=1e-5),
            "DS": lambda: ck.DawidSkene(n_iter=100, tol=1e-5),
            "GLAD": ck.GLAD,
            "MACE": ck.MACE,
        }
        frame = pd.DataFrame(answers, columns=["task", "worker", "label"])
        for method in missing:
            started = time.perf_counter()
            labels = makers[method]().fit_predict(frame)
            cached[method] = {str(k): str(v) for k, v in labels.items()}
            print(f"  crowd-kit {method} on {name}: {time.perf_counter() - started:.1f}s")
            path.write_text(json.dumps(cached))
    return {m: cached[m] for m in methods if m in cached}


def earlier_slow(path: Path = REPO / "tests/benchmarks/results/quality.md") -> dict[str, dict]:
    """crowd-kit's GLAD and MACE accuracy (%, every gold item) per set from ``bench_quality``'s
    results, for runs that skip them (``--ck-fast``: they take minutes per set here)."""
    found: dict[str, dict[str, float]] = {}
    name = None
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        if line.startswith("### "):
            name = line[4:].split()[0]
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if name and len(cells) >= 5 and cells[0] in ("GLAD", "MACE"):
            try:
                found.setdefault(name, {})[cells[0]] = float(cells[3].split()[0])
            except (ValueError, IndexError):
                continue
    return found


def accuracy_on(labels: dict, gold: dict[str, str], items: list[str]) -> float:
    return 100.0 * float(np.mean([str(labels.get(i)) == gold[i] for i in items]))


def run_set(
    name: str, *, draws: int, ck_methods: tuple[str, ...], overlap: int, method: str
) -> dict[str, Any]:
    answers, gold = crowd_truth.load(name)
    crowd = encode_crowd(answers, gold)
    rank = reveal_order(crowd, seed=7)
    total = len(answers)
    row: dict[str, Any] = {"answers": total, "gold": len(gold), "items": crowd.n_items}
    row["per_item"] = total / crowd.n_items
    ck = crowdkit_labels(name, answers, ck_methods)
    every = list(gold)
    ck_acc = {m: accuracy_on(labels, gold, every) for m, labels in ck.items()}
    slow = {m: a for m, a in earlier_slow().get(name, {}).items() if m not in ck_acc}
    ck_acc.update({f"{m}*": a for m, a in slow.items()})  # * = from results/quality.md
    row["ck"] = ck_acc
    row["ck_best"] = max(ck_acc.items(), key=lambda kv: kv[1])
    recorded = int(np.bincount(crowd.item).max())
    row["replay"] = {}
    for target in TARGETS:
        started = time.perf_counter()
        out = replay(
            crowd,
            rank,
            agreement_target=target,
            overlap=overlap,
            max_overlap=recorded,
            method=method,
        )
        row["replay"][target] = {
            "accuracy": 100 * out.accuracy(crowd.truth),
            "share": out.share(total),
            "rounds": out.rounds,
            "seconds": time.perf_counter() - started,
        }
    vote = margin_vote(crowd, rank, margin=3, seed=7)
    row["margin3"] = {"accuracy": 100 * vote.accuracy(crowd.truth), "share": vote.share(total)}

    # calibration of the default method on every answer
    triples = np.column_stack([crowd.item, crowd.worker, crowd.label])
    fit = infer_classes(triples, classes=range(len(crowd.classes)))
    labels = np.asarray(fit.classes)[fit.label]
    items = np.asarray(fit.items)
    known = crowd.truth[items] >= 0
    correct = (labels == crowd.truth[items])[known]
    raw = fit_method("dawid_skene", triples, classes=range(len(crowd.classes))).probas_.max(axis=1)
    row["ece"] = expected_calibration_error(fit.confidence[known], correct)
    row["ece_raw"] = expected_calibration_error(raw[known], correct)
    row["mean_conf"] = float(fit.confidence[known].mean())
    row["acc_default"] = 100 * float(correct.mean())
    row["calibration"] = (fit.confidence[known], correct)

    # method chosen by 5% gold, scored on the other 95%
    names = np.asarray(list(gold))
    rng = np.random.default_rng(2026)
    chosen, ours, best, ds = [], [], [], []
    for _ in range(draws):
        picked = set(rng.choice(names, max(1, round(0.05 * len(names))), replace=False).tolist())
        known_gold = {i: gold[i] for i in picked}
        rest = [i for i in every if i not in picked]
        choice = choose_by_gold(answers, known_gold)
        labels_chosen = fit_method(choice.method, answers, gold=known_gold).labels_dict()
        chosen.append(choice.method)
        ours.append(accuracy_on(labels_chosen, gold, rest))
        best.append(max(accuracy_on(labels, gold, rest) for labels in ck.values()))
        ds.append(accuracy_on(ck["DS"], gold, rest) if "DS" in ck else float("nan"))
    best_slow = max(slow.values(), default=float("-inf"))  # on every gold item, earlier run
    row["gold_choice"] = {
        "draws": draws,
        "methods": chosen,
        "ours": float(np.median(ours)),
        "ck_best": max(float(np.median(best)), best_slow),
        "ck_ds": float(np.median(ds)),
        "diff_best": float(np.median(np.subtract(ours, np.maximum(best, best_slow)))),
        "diff_ds": float(np.median(np.subtract(ours, ds))),
    }
    return row


def report(rows: dict[str, dict[str, Any]], args: argparse.Namespace, seconds: float) -> str:
    out = [
        "# Label quality per yuan: adaptive overlap on real crowds, method chosen by gold, "
        "calibration\n",
        f"Run {time.strftime('%Y-%m-%d %H:%M')} on {platform.machine()}, Python "
        f"{platform.python_version()}, {seconds / 60:.1f} min (a shared 2-CPU machine). "
        "`python tests/benchmarks/bench_replay.py"
        + (" --ck-fast" if args.ck_fast else "")
        + f" --draws {args.draws} --overlap {args.overlap} --method {args.method}`."
        " Data: `datasets/crowd_truth` (shipped). crowd-kit 1.4.2 "
        f"methods: {', '.join(args.ck_methods)}.\n",
        "The replay is a **pure replay of the quality functions the quality job calls** "
        "(`quality.confidence.infer_classes`, the function `ClassesConsensus.infer` calls, with "
        "the default method Dawid-Skene and calibrated confidence), not a drive of the HTTP API "
        "round by round (hours on the larger sets). Adaptive rule as in "
        f"`backend.consensus.recompute`: overlap {args.overlap}, an item stays open while its "
        "confidence is below `agreement_target`, max_overlap = every recorded answer; in-loop "
        f"method `{args.method}`. Answers revealed in a seeded shuffled order (seed 7).\n",
        "## Adaptive overlap (accuracy % on gold items / share of recorded answers used)\n",
        "| set | answers/item | crowd-kit best, all answers | MV margin 3 | "
        + " | ".join(f"target {t}" for t in TARGETS)
        + " |",
        "|---|---|---|---|" + "---|" * len(TARGETS),
    ]
    for name, r in rows.items():
        m, acc = r["ck_best"]
        cells = [
            f"{r['replay'][t]['accuracy']:.2f} / {100 * r['replay'][t]['share']:.0f}%"
            for t in TARGETS
        ]
        out.append(
            f"| {name}{' *' if name in RICH else ''} | {r['per_item']:.1f} | {acc:.2f} ({m}) | "
            f"{r['margin3']['accuracy']:.2f} / {100 * r['margin3']['share']:.0f}% | "
            + " | ".join(cells)
            + " |"
        )
    out.append(
        "\n`*` after a set: the issue's 10 sets with ≥ 9 answers per item. `*` after a method: "
        "crowd-kit's GLAD or MACE accuracy copied from `results/quality.md` (crowd-kit 1.4.2 on "
        "the same files; not re-run here with `--ck-fast`: they took 5-10 minutes per set on "
        "this loaded machine).\n"
    )
    out += [
        "## Method chosen by 5% gold (median of "
        f"{args.draws} draws; accuracy % on the other 95%)\n",
        "crowd-kit best: the best of its methods on the same 95% (with `--ck-fast`, the larger "
        "of that for MV/OCDS/DS and its GLAD/MACE accuracy on every gold item from "
        "`results/quality.md`). crowd-kit's methods get no gold; ours get the 5%.\n",
        "| set | draws | chosen (per draw) | gold-chosen | crowd-kit best | crowd-kit DS | "
        "vs best | vs DS |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        g = r["gold_choice"]
        methods = ", ".join(sorted(set(g["methods"]), key=g["methods"].count, reverse=True))
        out.append(
            f"| {name} | {g.get('draws', args.draws)} | {methods} | {g['ours']:.2f} | "
            f"{g['ck_best']:.2f} | {g['ck_ds']:.2f} | {g['diff_best']:+.2f} | "
            f"{g['diff_ds']:+.2f} |"
        )
    out += [
        "\n## Calibration of consensus confidence (default method, every answer)\n",
        "| set | accuracy % | mean confidence | ECE calibrated | ECE raw posterior |",
        "|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        out.append(
            f"| {name} | {r['acc_default']:.2f} | {r['mean_conf']:.3f} | {r['ece']:.3f} | "
            f"{r['ece_raw']:.3f} |"
        )
    confidence = np.concatenate([r["calibration"][0] for r in rows.values()])
    correct = np.concatenate([r["calibration"][1] for r in rows.values()])
    bins = reliability_bins(confidence, correct)
    out += [
        "\nPooled reliability table (every gold item of every set):\n",
        "| confidence bin | items | mean confidence | accuracy |",
        "|---|---|---|---|",
    ]
    for m in range(len(bins.upper)):
        if bins.count[m]:
            out.append(
                f"| {bins.upper[m] - 0.1:.1f}–{bins.upper[m]:.1f} | {bins.count[m]} | "
                f"{bins.confidence[m]:.3f} | {bins.accuracy[m]:.3f} |"
            )
    out += [
        "\n## Calibration on the crowd simulator, per kind\n",
        "Consensus by the kinds' own strategies (`backend.kinds`), 600 items, 3 answers each, "
        "10% gold giving the weights (`replay_simulated.py`); 3 seeds.\n",
        "| kind | seed | accuracy | mean confidence | ECE |",
        "|---|---|---|---|---|",
    ]
    for kind in ("classes", "boxes"):
        for seed in (5, 6, 7):
            sim = simulate(kind, seed=seed)
            out.append(
                f"| {kind} | {seed} | {sim['accuracy']:.3f} | {sim['mean_confidence']:.3f} | "
                f"{sim['ece']:.3f} |"
            )
    out += ["\n## Targets\n", *targets(rows)]
    return "\n".join(out) + "\n"


def targets(rows: dict[str, dict[str, Any]]) -> list[str]:
    lines = []
    rich = [n for n in RICH if n in rows]
    wins = []
    for name in rich:
        r = rows[name]
        ok = [
            t
            for t in TARGETS
            if r["replay"][t]["accuracy"] >= r["ck_best"][1] - 0.5
            and r["replay"][t]["share"] <= 0.5
        ]
        if ok:
            wins.append(name)
    lines.append(
        f"- {'PASS' if len(wins) >= 7 else 'FAIL'}: adaptive overlap within 0.5 points of "
        f"crowd-kit's best on all answers using ≤ 50% of the answers (at some agreement_target) "
        f"on {len(wins)} of {len(rich)} rich sets (target ≥ 7): {', '.join(wins) or 'none'}."
    )
    at_least = [n for n, r in rows.items() if r["gold_choice"]["diff_best"] >= 0]
    worst_ds = min(r["gold_choice"]["diff_ds"] for r in rows.values())
    ok = len(at_least) >= 15 and worst_ds >= -0.5
    lines.append(
        f"- {'PASS' if ok else 'FAIL'}: gold-chosen method (5% gold, median of draws) at least as "
        f"accurate as crowd-kit's best on {len(at_least)} of {len(rows)} sets (target ≥ 15), "
        f"worst difference to crowd-kit's DS {worst_ds:+.2f} points (target ≥ -0.5)."
    )
    calibrated = [n for n, r in rows.items() if r["ece"] <= 0.05]
    lines.append(
        f"- {'PASS' if len(calibrated) >= 15 else 'FAIL'}: ECE ≤ 0.05 on {len(calibrated)} of "
        f"{len(rows)} sets (target ≥ 15); over 0.05: "
        + (", ".join(f"{n} {rows[n]['ece']:.3f}" for n in rows if n not in calibrated) or "none")
        + "."
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default="", help="comma-separated subset")
    parser.add_argument("--draws", type=int, default=5)
    parser.add_argument("--overlap", type=int, default=2, help="the project's overlap")
    parser.add_argument("--method", default="dawid_skene", help="the in-loop method")
    parser.add_argument("--ck-fast", action="store_true", help="crowd-kit MV, OCDS, DS only")
    parser.add_argument(
        "--report-only", action="store_true", help="report the cached sets, measure nothing"
    )
    parser.add_argument(
        "--reuse-rows",
        action="store_true",
        help="take sets already measured (var/bench_cache/replay_rows) instead of measuring them",
    )
    parser.add_argument("--out", default=str(REPO / "tests/benchmarks/results/replay.md"))
    args = parser.parse_args()
    args.ck_methods = CK_METHODS[:3] if args.ck_fast else CK_METHODS
    sets = [s for s in args.sets.split(",") if s] or crowd_truth.set_names()
    started = time.perf_counter()
    rows: dict[str, dict[str, Any]] = {}
    missing: list[str] = []
    ROWS.mkdir(parents=True, exist_ok=True)
    for name in sets:
        saved = ROWS / f"{name}.pickle"
        if (args.reuse_rows or args.report_only) and saved.exists():  # an earlier (parallel) run
            rows[name] = pickle.loads(saved.read_bytes())
            continue
        if args.report_only:
            missing.append(name)
            continue
        t0 = time.perf_counter()
        rows[name] = run_set(
            name,
            draws=args.draws,
            ck_methods=args.ck_methods,
            overlap=args.overlap,
            method=args.method,
        )
        saved.write_bytes(pickle.dumps(rows[name]))
        print(f"{name}: {time.perf_counter() - t0:.1f}s", flush=True)
    text = report(rows, args, time.perf_counter() - started)
    if missing:
        text += f"\nNot measured in this run (out of time): {', '.join(missing)}.\n"
    print(text)
    Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
