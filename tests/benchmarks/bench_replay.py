"""Label quality per yuan on the 19 real crowds: adaptive overlap replayed, method chosen by gold,
calibration of consensus confidence. Writes ``tests/benchmarks/results/replay.md``.

    .venv/bin/python tests/benchmarks/bench_replay.py [--sets a,b] [--draws 5]
    # in parallel: several ``--measure-only --sets ...`` runs, then ``--report-only``

Per data set (``datasets/crowd_truth``), with the project's gold = 5% of the items with truth
drawn at random (5 draws; every figure is scored on the other 95%):

* **Replay** (``replay_sim.replay``, the 10 rich sets): the platform's adaptive rule at a few
  ``agreement_target`` values (overlap 2, max_overlap = every recorded answer), answers revealed
  in a seeded shuffled order, with draw 0's gold (recalibrating the fits, the label delivered by
  the method the gold chooses) and without gold; accuracy and share of the recorded answers
  used. Next to it: crowd-kit's best method on every answer (the best of its MV, one-coin DS,
  DS, GLAD and MACE on the same items, chosen with hindsight) and majority vote that stops at a
  vote margin of 3.
* **Gold-chosen method**: ``quality.confidence.choose_by_gold`` scores every candidate, fitted
  without the gold, on the gold and keeps Dawid-Skene unless another beats it by more than one
  standard error; the chosen method's labels (``infer_classes``, fitted without the gold, gold
  items known) are scored against crowd-kit's best and Dawid-Skene on the same items (fitted on
  every answer, without gold).
* **Calibration**: ECE (10 bins) of the gold-chosen method's confidence recalibrated on the gold
  (``quality.confidence.gold_calibration``: a ceiling map fitted on the gold items' held-out
  confidence), of the default method without gold and of its raw posterior; a pooled
  reliability table; and ECE per kind on the simulator.
* **ECE's noise floor** (:func:`ece_floor`, at report time from the rows' scored items): per set
  and gold draw, the ECE a perfectly calibrated predictor would show with the same delivered
  confidences on the same scored items (outcomes drawn ``~ Bernoulli(confidence)``, 2000 seeded
  simulations), its mean, 95th percentile and chance of ≤ 0.05; and the debiased squared L2
  calibration error of Kumar, Liang & Ma (NeurIPS 2019). Context for the ECE target, which
  stays the plain 10-bin ECE.

crowd-kit's labels come from ``tests/benchmarks/results/crowdkit_labels`` (``crowdkit_cache.py``).
"""

from __future__ import annotations

import argparse
import pickle
import platform
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import crowdkit_cache  # noqa: E402
from calibration_prior import gold_draws, held_out_gold_pairs, leave_one_out  # noqa: E402
from replay_sim import encode_crowd, margin_vote, replay, reveal_order  # noqa: E402
from replay_simulated import simulate  # noqa: E402

from quality.confidence import (  # noqa: E402
    choose_by_gold,
    debiased_squared_calibration_error,
    debiased_squared_calibration_errors,
    expected_calibration_error,
    expected_calibration_errors,
    fit_method,
    infer_classes,
    reliability_bins,
)
from quality.confidence.gold_calibration import CROWD_PRIOR, CalibrationPrior  # noqa: E402
from tests.support import crowd_truth  # noqa: E402

TARGETS = (0.95, 0.98, 0.99, 0.999, 0.9999)
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
ROWS = REPO / "var" / "bench_cache" / "replay_rows"


def crowdkit_codes(name: str, row: dict[str, Any], methods) -> dict[str, np.ndarray]:
    """crowd-kit's label code per item (-1: not a gold item, -2: a label outside the classes)
    from the results file ``results/crowdkit_labels`` (only the methods missing there are run)."""
    cached = crowdkit_cache.compute(name, tuple(methods))
    code = {n: k for k, n in enumerate(row["item_names"])}
    index = {c: k for k, c in enumerate(row["classes"])}
    out = {}
    for method, labels in cached.items():
        pred = np.full(len(row["truth"]), -1, dtype=np.int64)
        for item, label in labels.items():
            pred[code[item]] = index.get(label, -2)
        out[method] = pred
    return out


def percent(pred: np.ndarray, truth: np.ndarray, mask: np.ndarray) -> float:
    return 100.0 * float(np.mean(pred[mask] == truth[mask]))


def measure_replays(
    row: dict[str, Any],
    crowd,
    rank,
    *,
    overlap: int,
    method: str,
    choice: str = "final",
    gold_rate: float | None = None,
) -> None:
    """The adaptive replays (with the project's gold of draw 0, and without gold) and
    majority vote with margin 3, scored on the items outside draw 0's gold. ``choice`` and
    ``gold_rate``: the replay with gold's mode (``replay_sim``'s docstring)."""
    truth = crowd.truth
    total = len(crowd.item)
    rest0 = truth >= 0
    rest0[row["picks"][0]] = False
    gold0 = {int(i): int(truth[i]) for i in row["picks"][0]}
    truth_rest0 = np.where(rest0, truth, -1)
    recorded = int(np.bincount(crowd.item).max())
    row["replay"], row["replay_nogold"] = {}, {}
    row["replay_mode"] = {"choice": choice, "gold_rate": gold_rate}
    for target in TARGETS:
        for key, project_gold in (("replay", gold0), ("replay_nogold", None)):
            started = time.perf_counter()
            out = replay(
                crowd,
                rank,
                agreement_target=target,
                overlap=overlap,
                max_overlap=recorded,
                method=method,
                gold=project_gold,
                **({"choice": choice, "gold_rate": gold_rate} if project_gold else {}),
            )
            row[key][target] = {
                "accuracy": 100 * out.accuracy(truth_rest0),
                "loop_accuracy": 100 * out.loop_accuracy(truth_rest0),
                "share": out.share(total),
                "rounds": out.rounds,
                "final_method": out.final_method,
                "seconds": time.perf_counter() - started,
            }
    vote = margin_vote(crowd, rank, margin=3, seed=7)
    row["margin3"] = {"accuracy": 100 * vote.accuracy(truth_rest0), "share": vote.share(total)}


def run_set(
    name: str,
    *,
    draws: int,
    overlap: int,
    method: str,
    replay_all: bool = False,
    skip_replay: bool = False,
    choice: str = "final",
    gold_rate: float | None = None,
    prior: CalibrationPrior = CROWD_PRIOR,
) -> dict[str, Any]:
    """``prior``: where the gold map starts (the benchmark passes the other sets' prior)."""
    answers, gold = crowd_truth.load(name)
    crowd = encode_crowd(answers, gold)
    item_names = list(dict.fromkeys(a[0] for a in answers))
    triples = np.column_stack([crowd.item, crowd.worker, crowd.label])
    classes = range(len(crowd.classes))
    rank = reveal_order(crowd, seed=7)
    total = len(answers)
    truth = crowd.truth
    has_truth = truth >= 0
    row: dict[str, Any] = {"answers": total, "gold": int(has_truth.sum()), "items": crowd.n_items}
    row["per_item"] = total / crowd.n_items
    row.update(item_names=item_names, classes=crowd.classes, truth=truth)

    # the project's gold: 5% of the items with truth, drawn at random (draw 0 for the replay)
    picks = gold_draws(truth, draws)

    def rest_of(pick: np.ndarray) -> np.ndarray:
        mask = has_truth.copy()
        mask[pick] = False
        return mask

    row["picks"] = picks
    if (name in RICH or replay_all) and not skip_replay:
        measure_replays(
            row, crowd, rank, overlap=overlap, method=method, choice=choice, gold_rate=gold_rate
        )
    else:
        row["replay"], row["replay_nogold"] = {}, {}
    # calibration of the default method on every answer, without gold
    fit = infer_classes(triples, classes=classes)
    labels = np.asarray(fit.classes)[fit.label]
    items = np.asarray(fit.items)
    known = truth[items] >= 0
    correct = (labels == truth[items])[known]
    raw = fit_method("dawid_skene", triples, classes=classes).probas_.max(axis=1)
    row["ece"] = expected_calibration_error(fit.confidence[known], correct)
    row["ece_raw"] = expected_calibration_error(raw[known], correct)
    row["mean_conf"] = float(fit.confidence[known].mean())
    row["acc_default"] = 100 * float(correct.mean())

    # method chosen by 5% gold, fitted with it, scored (accuracy, ECE) on the other 95%
    chosen, ours, eces, confs, hits, scored = [], [], [], [], [], []
    for pick in picks:
        known_gold = {int(i): int(truth[i]) for i in pick}
        rest = rest_of(pick)
        choice = choose_by_gold(triples, known_gold, classes=classes)
        fit = infer_classes(
            triples,
            method=choice.method,
            gold=known_gold,
            classes=classes,
            calibration_prior=prior,
        )
        pred = np.full(crowd.n_items, -1, dtype=np.int64)
        conf = np.zeros(crowd.n_items)
        rows_ = np.asarray(fit.items, dtype=np.int64)
        pred[rows_] = np.asarray(fit.classes, dtype=np.int64)[fit.label]
        conf[rows_] = fit.confidence
        chosen.append(choice.method)
        ours.append(percent(pred, truth, rest))
        hit = pred[rest] == truth[rest]
        eces.append(expected_calibration_error(conf[rest], hit))
        confs.append(conf[rest])
        hits.append(hit)
        scored.append(np.flatnonzero(rest))
    row["gold_choice"] = {
        "draws": draws,
        "methods": chosen,
        "ours": float(np.median(ours)),
        "ours_per_draw": ours,
        "ece": float(np.median(eces)),
        "eces": eces,
    }
    row["calibration"] = (confs[0], hits[0])
    # per draw: the scored items (indices), their delivered confidence and whether right, for
    # the ECE a perfectly calibrated confidence would show on them (computed at report time)
    row["calibration_draws"] = list(zip(scored, confs, hits, strict=True))
    return row


ECE_TARGET = 0.05
FLOOR_SIMULATIONS = 2000


def ece_floor(row: dict[str, Any], name: str, simulations: int = FLOOR_SIMULATIONS) -> None:
    """The plain ECE's noise floor on this set's scored items, and a debiased estimate.

    Per gold draw: the items scored (the other 95%), the confidence delivered on them and
    whether each label is right (``row["calibration_draws"]``). A perfectly calibrated predictor
    with the same confidences gets outcomes ``correct_i ~ Bernoulli(confidence_i)``; the same
    10-bin ECE of ``simulations`` such draws is the null distribution (its mean, 95th percentile,
    share ≤ 0.05). One uniform per item and simulation is shared by the draws (the draws score
    95%-overlapping items of one crowd), so the target's rule, the median of the draws' ECE
    ≤ 0.05, is simulated jointly as well. Seeded by the set's name. The debiased figure is
    ``quality.confidence.debiased_squared_calibration_error`` (Kumar, Liang & Ma, "Verified
    Uncertainty Calibration", NeurIPS 2019): the binned squared L2 error with each bin's
    sampling variance subtracted; ``sqrt(max(0, ·))`` of its median over the draws is reported,
    with the plug-in L2 error beside it. Note that ECE minus the null mean is no estimator of
    the true error (the bias shrinks as the true gaps grow), hence this one.
    """
    draws = row.get("calibration_draws")
    if not draws:
        row["floor"] = None
        return
    rng = np.random.default_rng([2026, zlib.crc32(name.encode())])
    n_items = 1 + max(int(idx.max()) for idx, _, _ in draws if len(idx))
    null = np.zeros((len(draws), simulations))
    null_debiased = np.zeros((len(draws), simulations))
    chunk = 250
    for start in range(0, simulations, chunk):
        rows = min(chunk, simulations - start)
        uniform = rng.random((rows, n_items))
        for d, (idx, conf, _) in enumerate(draws):
            outcomes = uniform[:, idx] < conf
            null[d, start : start + rows] = expected_calibration_errors(conf, outcomes)
            null_debiased[d, start : start + rows] = debiased_squared_calibration_errors(
                conf, outcomes
            )
    observed = np.asarray(row["gold_choice"]["eces"], dtype=np.float64)
    p95 = np.quantile(null, 0.95, axis=1)
    debiased = [debiased_squared_calibration_error(conf, hit) for _, conf, hit in draws]
    plugin = [reliability_bins(conf, hit) for _, conf, hit in draws]
    plugin_sq = [
        float((b.count[b.count > 0] * (b.accuracy - b.confidence)[b.count > 0] ** 2).sum())
        / int(b.count.sum())
        for b in plugin
    ]
    row["floor"] = {
        "items": float(np.median([len(idx) for idx, _, _ in draws])),
        "null_mean": float(np.median(null.mean(axis=1))),
        "null_p95": float(np.median(p95)),
        "p_pass_draw": float(np.median((null <= ECE_TARGET).mean(axis=1))),
        "p_pass": float((np.median(null, axis=0) <= ECE_TARGET).mean()),
        "above_p95": int((observed > p95).sum()),
        "debiased_sq": float(np.median(debiased)),
        "debiased_l2": float(np.sqrt(max(np.median(debiased), 0.0))),
        "plugin_l2": float(np.sqrt(np.median(plugin_sq))),
        # the reported debiased figure (median of the draws, sqrt of max(0, ·)) of a perfectly
        # calibrated confidence: its own noise
        "debiased_l2_null_p95": float(
            np.quantile(np.sqrt(np.maximum(np.median(null_debiased, axis=0), 0.0)), 0.95)
        ),
        "debiased_sq_null_mean": float(np.median(null_debiased.mean(axis=1))),
        "simulations": simulations,
    }


def pass_count_distribution(probabilities: list[float]) -> np.ndarray:
    """P(exactly k sets pass), k = 0..n, for independent sets passing with these probabilities
    (Poisson-binomial, by convolution)."""
    out = np.array([1.0])
    for p in probabilities:
        out = np.convolve(out, [1.0 - p, p])
    return out


def earlier_slow(path: Path = REPO / "tests/benchmarks/results/quality.md") -> dict[str, dict]:
    """crowd-kit's GLAD and MACE accuracy (%, every gold item) per set from ``bench_quality``'s
    results: the stand-in where ``results/crowdkit_labels`` lacks them (marked ``*``)."""
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


def add_crowdkit(name: str, row: dict[str, Any], methods: tuple[str, ...]) -> None:
    """crowd-kit's figures on the same items as ours, from its cached labels."""
    truth = row["truth"]
    has_truth = truth >= 0
    ck = crowdkit_codes(name, row, methods)
    row["ck"] = {m: percent(p, truth, has_truth) for m, p in ck.items()}
    row["ck_best"] = max(row["ck"].items(), key=lambda kv: kv[1])

    def rest_of(pick: np.ndarray) -> np.ndarray:
        mask = has_truth.copy()
        mask[pick] = False
        return mask

    slow = {f"{m}*": a for m, a in earlier_slow().get(name, {}).items() if m not in ck}
    row["ck"].update(slow)
    row["ck_best"] = max(row["ck"].items(), key=lambda kv: kv[1])
    floor = max(slow.values(), default=float("-inf"))  # on every gold item, earlier run
    rest0 = rest_of(row["picks"][0])
    row["ck_best_rest0"] = max(
        [*((m, percent(p, truth, rest0)) for m, p in ck.items()), *slow.items()],
        key=lambda kv: kv[1],
    )
    g = row["gold_choice"]
    best = [
        max(floor, *(percent(p, truth, rest_of(pick)) for p in ck.values()))
        for pick in row["picks"]
    ]
    ds = [percent(ck["DS"], truth, rest_of(pick)) for pick in row["picks"]]
    g["ck_best"] = float(np.median(best))
    g["ck_ds"] = float(np.median(ds))
    g["diff_best"] = float(np.median(np.subtract(g["ours_per_draw"], best)))
    g["diff_ds"] = float(np.median(np.subtract(g["ours_per_draw"], ds)))


def _replay_table(rows: dict[str, dict[str, Any]], key: str, method: str) -> list[str]:
    out = [
        "| set | answers/item | crowd-kit best, all answers | MV margin 3 | "
        + " | ".join(f"target {t}" for t in TARGETS)
        + " |",
        "|---|---|---|---|" + "---|" * len(TARGETS),
    ]
    for name, r in rows.items():
        if not r[key]:
            continue
        m, acc = r["ck_best_rest0"]
        cells = []
        for t in TARGETS:
            cell = r[key][t]
            final = (
                f" {SHORT.get(cell['final_method'], cell['final_method'])}"
                if cell["final_method"]
                else ""
            )
            loop = (
                f" ({SHORT.get(method, method)} {cell['loop_accuracy']:.2f})"
                if cell["final_method"] and "loop_accuracy" in cell
                else ""
            )
            cells.append(f"{cell['accuracy']:.2f} / {100 * cell['share']:.0f}%{final}{loop}")
        out.append(
            f"| {name}{' *' if name in RICH else ''} | {r['per_item']:.1f} | {acc:.2f} ({m}) | "
            f"{r['margin3']['accuracy']:.2f} / {100 * r['margin3']['share']:.0f}% | "
            + " | ".join(cells)
            + " |"
        )
    return out


def _mode_note(rows: dict[str, dict[str, Any]]) -> str:
    """Which replay with gold the rows hold (``--choice``, ``--gold-rate``)."""
    modes = {
        (r.get("replay_mode") or {}).get("choice", "final"): (r.get("replay_mode") or {}).get(
            "gold_rate"
        )
        for r in rows.values()
        if r["replay"]
    }
    if set(modes) <= {"final"} and not any(modes.values()):
        return ""
    return (
        "**Mode of the replay with gold (these rows).** "
        + "; ".join(
            f"`--choice {c}`"
            + (f" `--gold-rate {g}`" if g is not None else "")
            + (
                ": the method `backend.consensus.method_choice.pick_method` gives each round "
                "drives the stop and is delivered (the in-loop figure in brackets is then the "
                "same)"
                if c == "platform"
                else ""
            )
            for c, g in modes.items()
        )
        + ".\n"
    )


SHORT = {
    "dawid_skene": "DS",
    "one_coin_dawid_skene": "OCDS",
    "majority_vote": "MV",
    "weighted_majority_vote": "WMV",
    "glad": "GLAD",
    "mace": "MACE",
}


def report(rows: dict[str, dict[str, Any]], args: argparse.Namespace, seconds: float) -> str:
    out = [
        "# Label quality per yuan: adaptive overlap on real crowds, method chosen by gold, "
        "calibration\n",
        f"Run {time.strftime('%Y-%m-%d %H:%M')} on {platform.machine()}, Python "
        f"{platform.python_version()}; {args.load} "
        "`python tests/benchmarks/bench_replay.py"
        f" --draws {args.draws} --overlap {args.overlap} --method {args.method}` (or measured "
        "set by set with `--measure-only --sets ...`, reported with `--report-only`; the load "
        "during the measurement is in the note of the run). "
        "Data: `datasets/crowd_truth` (shipped). crowd-kit 1.4.2 methods MV, OCDS, DS, GLAD, "
        "MACE, every recorded answer, no gold: labels cached in "
        "`tests/benchmarks/results/crowdkit_labels/` (`crowdkit_cache.py`; GLAD takes up to "
        "5 minutes a set on this machine, so it is not re-run).\n",
        "**The project's gold.** A project has gold; here it is 5% of the items with truth, "
        "drawn at random (seed 2026, 5 draws; the replay uses draw 0). Every accuracy below is "
        "on the *other* 95% (crowd-kit's too, on the same items); crowd-kit gets no gold. The "
        "gold-chosen method and its calibration use the gold as a judge, not a teacher: every "
        "candidate is fitted without the gold (`infer_classes(anchor=False)`, the default) and "
        "scored on all of it (`choose_by_gold`: the best gold accuracy, log-score tie-break, "
        "kept only if it beats Dawid-Skene by more than one standard error of the paired "
        "difference), and the chosen fit's confidence is recalibrated by a ceiling map fitted on "
        "the gold items' held-out (confidence, right?) pairs from a prior that the other 18 "
        "sets' held-out gold taught (`quality.confidence.gold_calibration`; "
        "`calibration_prior.py`). The adaptive replay's in-loop fits are the "
        "replay's own (see its paragraph).\n",
        "The replay is a **pure replay of the quality functions the quality job calls** "
        "(`quality.confidence.infer_classes`, which `ClassesConsensus.infer` calls, and "
        "`choose_by_gold`, which `backend.consensus.method_choice` calls), not a drive of the "
        "HTTP API. Adaptive rule as in `backend.consensus.recompute`: overlap "
        f"{args.overlap}, max_overlap = every recorded answer of the set; answers revealed in a "
        "seeded shuffled order (seed 7); after each round every item that is not gold and whose "
        "stop confidence is below `agreement_target` gets one more answer (an item closed "
        "earlier opens again when a refit lowers it, as `raise_wanted` does). In-loop method "
        f"`{args.method}`, fitted as the quality job fits it (without the gold, which "
        "recalibrates it: `infer_classes`' default). The stop confidence "
        "(`ClassConsensus.stop_confidence`) is the larger of the gold-free posterior of the "
        "label and its *stability*: the predictive probability that the answers the item may "
        "still get (max_overlap minus those it has) would leave the label as it is "
        "(`quality.confidence.stability`; Dirichlet-multinomial predictive of the item's own "
        "answers, as in Lee & Liu 2008, each answer moving the label's log-odds by the tempered "
        "evidence of the crowd's average annotator). So an item stops when the label is surely "
        "right or when no likely run of allowed answers would change it; on crowds that err "
        "together the posterior alone stays below a strict target on items whose label more "
        "answers would only confirm. The delivered labels are those of the method the gold "
        "chooses on every revealed answer (the project's last recompute; named in each cell, "
        "with the in-loop method's own labels' accuracy in brackets). Replayed on the 10 rich "
        "sets (the target's).\n",
        _mode_note(rows),
        "## Adaptive overlap with the project's 5% gold "
        "(accuracy % on the other items / share of recorded answers used, final method "
        "(in-loop method's accuracy))\n",
        *_replay_table(rows, "replay", args.method),
        "\n`*` after a set: the issue's 10 sets with ≥ 9 answers per item. `*` after a "
        "method: crowd-kit's GLAD or MACE accuracy on every gold item copied from "
        "`results/quality.md` where `results/crowdkit_labels` did not hold it yet "
        "(not on the same 95%).\n",
        "## Adaptive overlap without gold (the same replay, Dawid-Skene, gold-free "
        "calibration; same items scored)\n",
        *_replay_table(rows, "replay_nogold", args.method),
    ]
    out += [
        "\n## Method chosen by 5% gold (median of "
        f"{args.draws} draws; accuracy % on the other 95%)\n",
        "crowd-kit best: per draw, the best of its five methods on the same 95% (chosen with "
        "hindsight; where GLAD/MACE labels were not cached, their accuracy on every gold item "
        "from `results/quality.md` counts as a floor); vs best / vs DS: median of the per-draw "
        "differences. Chosen: by `choose_by_gold` (candidates fitted without the gold, scored "
        "on all of it; Dawid-Skene kept unless beaten by more than one standard error).\n",
        "| set | gold items | chosen (per draw) | gold-chosen | crowd-kit best | crowd-kit DS | "
        "vs best | vs DS |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        g = r["gold_choice"]
        methods = ", ".join(
            f"{SHORT.get(m, m)}×{g['methods'].count(m)}"
            for m in sorted(dict.fromkeys(g["methods"]), key=g["methods"].count, reverse=True)
        )
        out.append(
            f"| {name} | {len(r['picks'][0])} | {methods} | {g['ours']:.2f} | "
            f"{g['ck_best']:.2f} | {g['ck_ds']:.2f} | {g['diff_best']:+.2f} | "
            f"{g['diff_ds']:+.2f} |"
        )
    out += [
        "\n## Calibration of consensus confidence\n",
        "ECE (10 bins) against truth. *With 5% gold*: the gold-chosen method's confidence, "
        "recalibrated by a ceiling map, ``(1 - slip) · sigmoid(a · logit(c) + b)``, fitted on "
        "the gold items' held-out confidence (the fit never saw the gold) by maximum a "
        "posteriori from the prior the other 18 sets' held-out gold taught, leave-one-set-out "
        "(`calibration_prior.leave_one_out`; the platform ships the prior of all 19, "
        "`CROWD_PRIOR`; fewer than 5 gold items: the gold-free calibration), on the "
        "other 95%, median of the draws. *Without gold*: Dawid-Skene on "
        "every answer with the gold-free calibration (leave-one-out shrunk annotator models, "
        "temperature from held-out answers), and its raw EM posterior, on every item with "
        "truth.\n",
        "| set | gold items | ECE with 5% gold (median) | draws | accuracy % no gold | "
        "mean confidence no gold | ECE no gold | ECE raw posterior |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        g = r["gold_choice"]
        out.append(
            f"| {name} | {len(r['picks'][0])} | {g['ece']:.3f} | "
            + ", ".join(f"{e:.3f}" for e in g["eces"])
            + f" | {r['acc_default']:.2f} | {r['mean_conf']:.3f} | {r['ece']:.3f} | "
            f"{r['ece_raw']:.3f} |"
        )
    out += _floor_table(rows)
    confidence = np.concatenate([r["calibration"][0] for r in rows.values()])
    correct = np.concatenate([r["calibration"][1] for r in rows.values()])
    bins = reliability_bins(confidence, correct)
    out += [
        "\nPooled reliability table (with 5% gold, draw 0, the other items of every set):\n",
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


def _floor_table(rows: dict[str, dict[str, Any]]) -> list[str]:
    floors = {n: r["floor"] for n, r in rows.items() if r.get("floor")}
    if not floors:
        return []
    sims = next(iter(floors.values()))["simulations"]
    out = [
        "\n**ECE's noise floor: what a perfectly calibrated confidence would show on the same "
        "items** (`ece_floor`). Per set and gold draw, outcomes drawn ~ Bernoulli(delivered "
        f"confidence) on the scored items, {sims} seeded simulations, the same 10-bin ECE; "
        "median over the draws of the null's mean, its 95th percentile and its chance of "
        "ECE ≤ 0.05 per draw. *P(pass), target's rule*: the chance that the median of the "
        "draws' ECE is ≤ 0.05 (one uniform per item shared by the draws). *Draws > null p95*: "
        "draws whose observed ECE exceeds the null's 95th percentile (miscalibration the "
        "estimator's noise does not explain). *L2 plug-in → debiased*: the binned L2 "
        "calibration error sqrt(Σ p_b (accuracy_b − confidence_b)²) and its debiased estimate "
        '(Kumar, Liang & Ma, "Verified Uncertainty Calibration", NeurIPS 2019: each bin\'s '
        "sampling variance ȳ(1−ȳ)/(n_b−1) subtracted from its squared gap; "
        "`quality.confidence.debiased_squared_calibration_error`; median over the draws, "
        "sqrt of max(0, ·)), with in brackets the 95th percentile of that same figure for a "
        "perfectly calibrated confidence (the debiased estimate is unbiased for the squared "
        "error, not noiseless). The L2 error of the true gaps is at least their L1 ECE, so a "
        "debiased L2 ≤ 0.05 says the confidence's own binned ECE is ≤ 0.05 up to the "
        "estimate's noise. Context only: the target stays the plain 10-bin ECE.\n",
        "| set | items scored | ECE observed (median) | null mean | null p95 | "
        "P(ECE ≤ 0.05) per draw | P(pass), target's rule | draws > null p95 | "
        "L2 plug-in → debiased (null p95) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, f in floors.items():
        g = rows[name]["gold_choice"]
        out.append(
            f"| {name} | {f['items']:.0f} | {g['ece']:.3f} | {f['null_mean']:.3f} | "
            f"{f['null_p95']:.3f} | {f['p_pass_draw']:.2f} | {f['p_pass']:.2f} | "
            f"{f['above_p95']} of {g['draws']} | {f['plugin_l2']:.3f} → {f['debiased_l2']:.3f} "
            f"({f['debiased_l2_null_p95']:.3f}) |"
        )
    worst = max(abs(f["debiased_sq_null_mean"]) for f in floors.values())
    means = [f["null_mean"] for f in floors.values()]
    out.append(
        "\nCheck of the debiased estimator on these items: its mean over the simulated "
        "perfectly calibrated outcomes (squared error, median of the draws) is within "
        f"±{worst:.5f} of 0 on every set, where the plain ECE's is {min(means):.3f}–"
        f"{max(means):.3f} (null mean)."
    )
    return out


def _floor_line(rows: dict[str, dict[str, Any]]) -> list[str]:
    floors = {n: r["floor"] for n, r in rows.items() if r.get("floor")}
    if not floors:
        return []
    probs = [f["p_pass"] for f in floors.values()]
    likely = [n for n, f in floors.items() if f["p_pass"] >= 0.5]
    lowest = sorted(floors.items(), key=lambda kv: kv[1]["p_pass"])[:3]
    dist = pass_count_distribution(probs)
    need = 15
    debiased_ok = [n for n, f in floors.items() if f["debiased_l2"] <= ECE_TARGET]
    return [
        "- Context (not a target): a *perfectly calibrated* confidence, with the same "
        "delivered confidences on the same items (5% gold, target's rule: median of the draws' "
        f"10-bin ECE ≤ 0.05), would pass with probability ≥ 0.5 on {len(likely)} of "
        f"{len(floors)} sets; expected number of sets passing {sum(probs):.1f} of "
        f"{len(floors)}; chance of ≥ {need} of {len(floors)} (sets independent) "
        f"{dist[need:].sum():.2f}. Lowest: "
        + ", ".join(f"{n} {f['p_pass']:.2f}" for n, f in lowest)
        + ". "
        f"Debiased L2 calibration error ≤ 0.05 on {len(debiased_ok)} of {len(floors)} sets.",
    ]


def targets(rows: dict[str, dict[str, Any]]) -> list[str]:
    lines = []
    rich = [n for n in RICH if n in rows and rows[n]["replay"]]

    def passes(name: str, key: str, target: float, field: str = "accuracy") -> bool:
        cell = rows[name][key][target]
        accuracy = cell.get(field, cell["accuracy"])
        return accuracy >= rows[name]["ck_best_rest0"][1] - 0.5 and cell["share"] <= 0.5

    for key, field, what in (
        ("replay", "accuracy", "with 5% gold"),
        ("replay_nogold", "accuracy", "without gold"),
        (
            "replay",
            "loop_accuracy",
            "with 5% gold, delivering the in-loop method's labels (a project whose "
            "inference_method is dawid_skene)",
        ),
    ):
        wins = [n for n in rich if any(passes(n, key, t, field) for t in TARGETS)]
        per_target = ", ".join(
            f"{t}: {sum(passes(n, key, t, field) for n in rich)}" for t in TARGETS
        )
        lines.append(
            f"- {'PASS' if len(wins) >= 7 else 'FAIL'}: adaptive overlap {what} within 0.5 "
            "points of crowd-kit's best on all answers using ≤ 50% of the answers (at some "
            f"agreement_target) on {len(wins)} of {len(rich)} rich sets (target ≥ 7): "
            f"{', '.join(wins) or 'none'}. At one fixed agreement_target: {per_target}."
        )
    at_least = [n for n, r in rows.items() if r["gold_choice"]["diff_best"] >= 0]
    worst_ds = min(r["gold_choice"]["diff_ds"] for r in rows.values())
    ok = len(at_least) >= 15 and worst_ds >= -0.5
    lines.append(
        f"- {'PASS' if ok else 'FAIL'}: gold-chosen method (5% gold, median of draws) at least as "
        f"accurate as crowd-kit's best on {len(at_least)} of {len(rows)} sets (target ≥ 15), "
        f"worst difference to crowd-kit's DS {worst_ds:+.2f} points (target ≥ -0.5); below "
        "crowd-kit's best: "
        + ", ".join(
            f"{n} {r['gold_choice']['diff_best']:+.2f}"
            for n, r in rows.items()
            if n not in at_least
        )
        + "."
    )
    for key, what in (("gold", "with 5% gold"), ("none", "without gold")):
        ece = {n: (r["gold_choice"]["ece"] if key == "gold" else r["ece"]) for n, r in rows.items()}
        calibrated = [n for n in rows if ece[n] <= 0.05]
        lines.append(
            f"- {'PASS' if len(calibrated) >= 15 else 'FAIL'}: ECE {what} ≤ 0.05 on "
            f"{len(calibrated)} of {len(rows)} sets (target ≥ 15); over 0.05: "
            + (", ".join(f"{n} {ece[n]:.3f}" for n in rows if n not in calibrated) or "none")
            + "."
        )
        if key == "gold":
            lines += _floor_line(rows)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default="", help="comma-separated subset")
    parser.add_argument("--draws", type=int, default=5)
    parser.add_argument("--overlap", type=int, default=2, help="the project's overlap")
    parser.add_argument("--method", default="dawid_skene", help="the in-loop method")
    parser.add_argument(
        "--choice",
        choices=("final", "platform"),
        default="final",
        help="replay with gold: final = --method in the loop, the gold's choice relabels the "
        "end; platform = the method pick_method gives each round, in the loop and delivered",
    )
    parser.add_argument(
        "--gold-rate",
        type=float,
        default=None,
        help="replay with gold: gold items answered at this share of the draws (default: "
        "overlap answers each)",
    )
    parser.add_argument(
        "--crowdkit-all",
        action="store_true",
        help="run the crowd-kit methods missing from results/crowdkit_labels (minutes a set)",
    )
    parser.add_argument(
        "--report-only", action="store_true", help="report the cached sets, measure nothing"
    )
    parser.add_argument(
        "--reuse-rows",
        action="store_true",
        help="take sets already measured (var/bench_cache/replay_rows) instead of measuring them",
    )
    parser.add_argument(
        "--measure-only", action="store_true", help="save the rows, write no report (parallel)"
    )
    parser.add_argument(
        "--replay-only", action="store_true", help="measure the replays of saved rows again"
    )
    parser.add_argument(
        "--replay-all", action="store_true", help="replay every set, not only the 10 rich ones"
    )
    parser.add_argument(
        "--no-replay", action="store_true", help="measure the gold choice and calibration only"
    )
    parser.add_argument("--out", default=str(REPO / "tests/benchmarks/results/replay.md"))
    args = parser.parse_args()
    sets = [s for s in args.sets.split(",") if s] or crowd_truth.set_names()
    started = time.perf_counter()
    rows: dict[str, dict[str, Any]] = {}
    missing: list[str] = []
    ROWS.mkdir(parents=True, exist_ok=True)
    priors: dict[str, CalibrationPrior] = {}
    if not (args.report_only or args.replay_only):  # each set's gold map: the others' prior
        priors = leave_one_out({n: held_out_gold_pairs(n) for n in crowd_truth.set_names()})
        print(f"leave-one-set-out priors: {time.perf_counter() - started:.1f}s", flush=True)
    for name in sets:
        saved = ROWS / f"{name}.pickle"
        if args.replay_only and saved.exists():  # the replays again, the rest as measured
            rows[name] = pickle.loads(saved.read_bytes())
            answers, gold = crowd_truth.load(name)
            crowd = encode_crowd(answers, gold)
            measure_replays(
                rows[name],
                crowd,
                reveal_order(crowd, seed=7),
                overlap=args.overlap,
                method=args.method,
                choice=args.choice,
                gold_rate=args.gold_rate,
            )
            saved.write_bytes(pickle.dumps(rows[name]))
            print(f"{name}: replays again", flush=True)
            continue
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
            overlap=args.overlap,
            method=args.method,
            replay_all=args.replay_all,
            skip_replay=args.no_replay,
            choice=args.choice,
            gold_rate=args.gold_rate,
            prior=priors[name],
        )
        saved.write_bytes(pickle.dumps(rows[name]))
        print(f"{name}: {time.perf_counter() - t0:.1f}s", flush=True)
    if args.measure_only:
        return
    for name, row in rows.items():
        add_crowdkit(name, row, CK_METHODS if args.crowdkit_all else ())
        ece_floor(row, name)
    import subprocess

    args.load = (
        "load average "
        + subprocess.run(["uptime"], capture_output=True, text=True)
        .stdout.split("load average:")[-1]
        .strip()
        + " (at report time; 2 CPUs shared)."
    )
    text = report(rows, args, time.perf_counter() - started)
    if missing:
        text += f"\nNot measured in this run (out of time): {', '.join(missing)}.\n"
    print(text)
    Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
