"""How much the adaptive replay's figures move with the order the answers are revealed in.

    .venv/bin/python tests/benchmarks/replay_seeds.py [--sets a,b] [--seeds 7,8,9] [--targets ...]
        [--choice final|platform] [--gold-rate 0.1] [--out file.md]

The replay of ``bench_replay.py`` (``replay_sim.replay``: the platform's adaptive rule, draw 0's
5% gold, delivered labels of the method the gold chooses) with other seeds of the reveal order;
per set and seed, the best cell that meets the issue's target (within 0.5 points of crowd-kit's
best on all answers, ≤ 50% of the answers), else the most accurate cell within the budget; and
the pass count per seed. Needs the rows ``bench_replay.py --measure-only`` saved (for the gold
draw and crowd-kit's best on the same items). Writes ``results/replay_seeds.md`` (or ``--out``).

``--choice platform``: the in-loop method is the one the platform would use at that point
(``backend.consensus.method_choice.pick_method`` every round: chosen by gold once the project's
``method_choice_min_gold`` gold answers exist, kept until its evidence grows by a quarter) and
its labels are delivered; ``--gold-rate``: the gold items get answers at the project's
``gold_rate`` instead of ``overlap`` (``replay_sim``'s docstring).
"""

from __future__ import annotations

import argparse
import pickle
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_replay as bench
from replay_sim import encode_crowd, replay, reveal_order

from tests.support import crowd_truth


def measure(
    name: str,
    seeds: list[int],
    targets: list[float],
    *,
    stability: bool = True,
    choice: str = "final",
    gold_rate: float | None = None,
    matched_depth: bool = False,
) -> dict:
    row = pickle.loads((bench.ROWS / f"{name}.pickle").read_bytes())
    bench.add_crowdkit(name, row, ())
    answers, gold = crowd_truth.load(name)
    crowd = encode_crowd(answers, gold)
    truth = crowd.truth
    rest = truth >= 0
    rest[row["picks"][0]] = False
    gold0 = {int(i): int(truth[i]) for i in row["picks"][0]}
    scored = np.where(rest, truth, -1)
    recorded = int(np.bincount(crowd.item).max())
    best_method, best = row["ck_best_rest0"]
    out: dict = {"best": best, "best_method": best_method, "seeds": {}}
    for seed in seeds:
        rank = reveal_order(crowd, seed=seed)
        cells = []
        for target in targets:
            run = replay(
                crowd,
                rank,
                agreement_target=target,
                overlap=2,
                max_overlap=recorded,
                gold=gold0,
                stability=stability,
                choice=choice,
                gold_rate=gold_rate,
                matched_depth=matched_depth,
            )
            cells.append(
                {
                    "target": target,
                    "accuracy": 100 * run.accuracy(scored),
                    "loop_accuracy": 100 * run.loop_accuracy(scored),
                    "share": run.share(len(crowd.item)),
                    "method": run.final_method,
                    "choices": run.choices,
                    "rounds": run.rounds,
                }
            )
        out["seeds"][seed] = cells
    return out


def _cell(cells: list[dict], best: float, field: str) -> tuple[bool, str]:
    within = [c for c in cells if c["share"] <= 0.5]
    passing = [c for c in within if c[field] >= best - 0.5]
    pick = min(passing, key=lambda c: c["share"]) if passing else None
    if pick is None and within:
        pick = max(within, key=lambda c: c[field])
    if pick is None:
        return False, "— (every target over 50%)"
    return bool(passing), f"{pick[field]:.2f} / {100 * pick['share']:.0f}% at {pick['target']}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default=",".join(bench.RICH))
    parser.add_argument("--seeds", default="7,8,9")
    parser.add_argument("--targets", default=",".join(str(t) for t in bench.TARGETS))
    parser.add_argument(
        "--posterior-only",
        action="store_true",
        help="items stop on the posterior alone (the rule before the stability), to compare",
    )
    parser.add_argument(
        "--choice",
        choices=("final", "platform"),
        default="final",
        help="final: Dawid-Skene in the loop, the gold's choice relabels the end; platform: the "
        "method pick_method gives each round, in the loop and delivered",
    )
    parser.add_argument(
        "--gold-rate",
        type=float,
        default=None,
        help="gold items answered at this share of the draws (default: overlap answers each)",
    )
    parser.add_argument(
        "--out", default=str(bench.REPO / "tests/benchmarks/results/replay_seeds.md")
    )
    parser.add_argument(
        "--matched-depth",
        action="store_true",
        help="experiment (not the platform): the gold scores the candidates on its items' first "
        "answers only, as many as the other items have on average",
    )
    parser.add_argument("--dump", default="", help="also pickle the cells to this file")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    targets = [float(t) for t in args.targets.split(",")]
    started = time.perf_counter()
    rows = {}
    for name in args.sets.split(","):
        t0 = time.perf_counter()
        rows[name] = measure(
            name,
            seeds,
            targets,
            stability=not args.posterior_only,
            choice=args.choice,
            gold_rate=args.gold_rate,
            matched_depth=args.matched_depth,
        )
        print(f"{name}: {time.perf_counter() - t0:.0f}s", flush=True)
    if args.dump:
        Path(args.dump).write_bytes(pickle.dumps(rows))
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    rule = (
        "items stop on the gold-free posterior alone (`--posterior-only`)"
        if args.posterior_only
        else "items stop on the larger of the gold-free posterior and the label's stability"
    )
    platform = args.choice == "platform"
    flags = (" --posterior-only" if args.posterior_only else "") + (
        f" --choice {args.choice}" if platform else ""
    )
    if args.gold_rate is not None:
        flags += f" --gold-rate {args.gold_rate}"
    if args.matched_depth:
        flags += " --matched-depth"
    fields = ("accuracy",) if platform else ("accuracy", "loop_accuracy")
    what = (
        "the method the platform uses at each round (`pick_method`), in the loop and delivered"
        if platform
        else "gold-chosen labels, then the in-loop method's (Dawid-Skene)"
    )
    gold_what = (
        f"gold items answered at gold_rate {args.gold_rate} (counted in the answers spent)"
        if args.gold_rate is not None
        else "gold items answered `overlap` times"
    )
    lines = [
        "# Adaptive replay: sensitivity to the reveal order\n",
        f"Run {time.strftime('%Y-%m-%d %H:%M')}, {time.perf_counter() - started:.0f} s; "
        f"`python tests/benchmarks/replay_seeds.py --seeds {args.seeds} --targets "
        f"{args.targets}{flags}` under `nice -n 10`; `uptime` at the end: {load}. "
        f"Stop rule: {rule}; {gold_what}.\n",
        "The replay of `bench_replay.py` (draw 0's 5% gold, overlap 2, max_overlap = every "
        "recorded answer) with other seeds of the reveal order (7 is the one in `replay.md`). "
        "Per seed: the cheapest agreement_target that meets the target (within 0.5 points of "
        "crowd-kit's best on all answers with ≤ 50% of the answers, ✓), else the most accurate "
        f"cell within the budget; {what}.\n",
        "| set | crowd-kit best | "
        + " | ".join(
            f"seed {s}, platform's method"
            if platform
            else f"seed {s}, gold-chosen | seed {s}, in-loop DS"
            for s in seeds
        )
        + " |",
        "|---|---|" + "---|" * len(fields) * len(seeds),
    ]
    counts = {(s, f): 0 for s in seeds for f in fields}
    for name, r in rows.items():
        cells = []
        for seed in seeds:
            for field in fields:
                ok, text = _cell(r["seeds"][seed], r["best"], field)
                counts[(seed, field)] += ok
                cells.append(f"{'✓ ' if ok else ''}{text}")
        lines.append(
            f"| {name} | {r['best']:.2f} ({r['best_method']}) | " + " | ".join(cells) + " |"
        )
    lines.append("")
    for seed in seeds:
        lines.append(
            f"- seed {seed}: target met on {counts[(seed, 'accuracy')]} of {len(rows)} sets"
            + (
                " with the platform's method."
                if platform
                else f" with the gold-chosen labels, {counts[(seed, 'loop_accuracy')]} with the "
                "in-loop method's labels."
            )
        )
    lines += [
        f"\nEvery agreement_target, seed {seeds[0]} (delivered labels: accuracy / share of the "
        "answers" + (", the method at the end" if platform else "") + "):\n",
        "| set | " + " | ".join(f"target {t}" for t in targets) + " |",
        "|---|" + "---|" * len(targets),
    ]
    for name, r in rows.items():
        lines.append(
            f"| {name} | "
            + " | ".join(
                f"{c['accuracy']:.2f} / {100 * c['share']:.0f}%"
                + (f" {bench.SHORT.get(c['method'], c['method'])}" if platform else "")
                for c in r["seeds"][seeds[0]]
            )
            + " |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
