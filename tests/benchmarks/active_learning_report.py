"""Tables and plots of ``bench_active_learning.py`` (kept apart to keep each file short)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from active_learning_sim import ARMS, Arm, Run, paid_to_reach

RESULTS = Path(__file__).resolve().parent / "results"
TARGET, SAVING = 0.95, 0.30


def mean(runs: list[Run], arm: Arm, attr: str) -> float:
    return float(np.mean([getattr(r, attr) for r in runs if r.arm == arm]))


def kind_table(kind: str, runs: list[Run]) -> tuple[list[str], dict[str, float]]:
    base = ARMS[0]
    base_paid, base_sec = mean(runs, base, "paid"), mean(runs, base, "seconds")
    base_acc = mean(runs, base, "delivered_accuracy")
    lines = [
        f"### {kind}",
        "",
        "| arm | paid annotations | gold answers | annotator hours | delivered accuracy"
        " | paid saved | seconds saved | paid until model-filled ≥ 95 % | pre-labels accepted"
        " | paused | wrong pre-labels blind acceptors delivered |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    figures: dict[str, float] = {}
    for arm in ARMS:
        mine = [r for r in runs if r.arm == arm]
        paid, sec = mean(runs, arm, "paid"), mean(runs, arm, "seconds")
        reach = [paid_to_reach(r, TARGET) for r in mine]
        reach_text = " / ".join("never" if v is None else f"{v:,}" for v in reach)
        shown = sum(r.prelabel_shown for r in mine)
        accepted = f"{sum(r.prelabel_accepted for r in mine) / shown:.1%}" if shown else "–"
        paused = ", ".join(sorted({p for r in mine for p in r.paused})) or "–"
        cells = [
            arm.name,
            f"{paid:,.0f}",
            f"{mean(runs, arm, 'gold_answers'):,.0f}",
            f"{sec / 3600:.1f}",
            f"{mean(runs, arm, 'delivered_accuracy'):.4f}",
            f"{1 - paid / base_paid:+.1%}",
            f"{1 - sec / base_sec:+.1%}",
            reach_text,
            accepted,
            paused,
            f"{mean(runs, arm, 'blind_wrong_accepted'):.0f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
        figures[arm.name] = 1 - sec / base_sec
        figures[arm.name + " acc"] = mean(runs, arm, "delivered_accuracy") - base_acc
        figures[arm.name + " reach"] = float(np.mean([np.nan if v is None else v for v in reach]))
    return lines, figures


def learning_table(kind: str, runs: list[Run]) -> list[str]:
    lines = [
        f"#### {kind} (crowd seed 0): pre-label accuracy by final answers in the training set",
        "",
        "Held out: the generated items after the pool (``--holdout``). Open: the pool's items",
        "not yet final (what annotators are shown next; uncertainty ordering leaves the easy ones",
        "open).",
        "",
        "| final answers (+ 60 gold) | held out, default | held out, uncertainty |"
        " open, default | open, uncertainty | fit s (default) |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    default = next(r for r in runs if r.arm == ARMS[0])
    unsure = next(r for r in runs if r.arm == ARMS[2])
    for (n, rest, held, fit_s), (_, rest_u, held_u, _) in zip(
        default.learning, unsure.learning, strict=False
    ):
        lines.append(
            f"| {n:,} | {held:.3f} | {held_u:.3f} | {rest:.3f} | {rest_u:.3f} | {fit_s:.2f} |"
        )
    return [*lines, ""]


def plots(all_runs: dict[str, list[Run]]) -> list[str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return ["(matplotlib not installed: no PNG)"]
    written = []
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, (kind, runs) in zip(axes, all_runs.items(), strict=True):
        for arm in (ARMS[0], ARMS[2]):
            run = next(r for r in runs if r.arm == arm)
            xs = [n + 60 for n, _, _, _ in run.learning]  # + the 60 gold items
            ax.plot(xs, [h for _, _, h, _ in run.learning], marker="o", label=arm.ordering)
        ax.set(
            xscale="log",
            title=kind,
            xlabel="final answers + gold the model trained on",
            ylabel="pre-label accuracy (held-out items)",
        )
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(RESULTS / "active_learning_curve.png", dpi=110)
    written.append("active_learning_curve.png")
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, (kind, runs) in zip(axes, all_runs.items(), strict=True):
        for arm in ARMS[:5]:
            run = next(r for r in runs if r.arm == arm)
            ax.plot([p for p, _ in run.filled], [a for _, a in run.filled], label=arm.name)
        ax.axhline(TARGET, color="grey", linestyle=":")
        ax.set(
            title=kind,
            xlabel="paid annotations",
            ylabel="consensus where final, model elsewhere",
            ylim=(0.5, 1.0),
        )
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(RESULTS / "active_learning_filled.png", dpi=110)
    written.append("active_learning_filled.png")
    return [f"![{name}]({name})" for name in written]
