"""The prior a project's gold map starts from, learnt from the held-out gold of the real crowds.

    .venv/bin/python tests/benchmarks/calibration_prior.py   # prints CROWD_PRIOR's figures

What the platform ships as ``quality.confidence.gold_calibration.CROWD_PRIOR``, and what
``bench_replay.py`` measures leave-one-set-out (each set's map starts from the prior of the other
18, so no set's ECE is scored with a prior that saw its own truth).

Per set (``datasets/crowd_truth``) and per gold draw (5% of the items with truth, the draws of
``bench_replay.py``: seed 2026, 5 draws), the pairs a project would have: the method its gold
chooses (``choose_by_gold``), fitted without the gold, gives each gold item its gold-free
confidence and whether its label is right. The prior is the maximum-likelihood ceiling map of
all those pairs pooled (``fit_platt`` under a flat prior: precision 1e-6, no pull on the slip),
with the shipped strengths: precision 2 on (slope, intercept), the slip worth 30 gold items.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "benchmarks")]

from replay_sim import encode_crowd  # noqa: E402

from quality.confidence import choose_by_gold, infer_classes  # noqa: E402
from quality.confidence.gold_calibration import CalibrationPrior, fit_platt  # noqa: E402
from tests.support import crowd_truth  # noqa: E402

GOLD_SHARE = 0.05
DRAWS = 5
PRECISION = 2.0
SLIP_STRENGTH = 30.0
FLAT = CalibrationPrior(precision=1e-6, slip=0.02, slip_strength=0.0)
"""The pooled fit's prior: no pull on slope and intercept, none on the slip (its start only)."""

Pairs = list[tuple[NDArray[np.float64], NDArray[np.bool_]]]


def gold_draws(truth: NDArray[np.int64], draws: int = DRAWS) -> list[NDArray[np.int64]]:
    """The gold items of each draw (``bench_replay.run_set``'s: the same seed and share)."""
    items = np.flatnonzero(truth >= 0)
    rng = np.random.default_rng(2026)
    n_pick = max(1, round(GOLD_SHARE * len(items)))
    return [np.sort(rng.choice(items, n_pick, replace=False)) for _ in range(draws)]


def held_out_gold_pairs(name: str, draws: int = DRAWS) -> Pairs:
    """Per draw: the gold items' gold-free confidence under the method that gold chooses, and
    whether its label is right."""
    answers, gold = crowd_truth.load(name)
    crowd = encode_crowd(answers, gold)
    triples = np.column_stack([crowd.item, crowd.worker, crowd.label])
    classes = range(len(crowd.classes))
    fits: dict[str, tuple[NDArray[np.int64], NDArray[np.float64]]] = {}
    pairs: Pairs = []
    for pick in gold_draws(crowd.truth, draws):
        known = {int(i): int(crowd.truth[i]) for i in pick}
        method = choose_by_gold(triples, known, classes=classes).method
        if method not in fits:
            fit = infer_classes(triples, method=method, classes=classes)  # no gold: gold-free
            label = np.full(crowd.n_items, -1, dtype=np.int64)
            confidence = np.zeros(crowd.n_items)
            rows = np.asarray(fit.items, dtype=np.int64)
            label[rows] = np.asarray(fit.classes, dtype=np.int64)[fit.label]
            confidence[rows] = fit.confidence
            fits[method] = (label, confidence)
        label, confidence = fits[method]
        pairs.append((confidence[pick], label[pick] == crowd.truth[pick]))
    return pairs


def pooled_prior(pairs: Iterable[Pairs]) -> CalibrationPrior:
    """The ceiling map of every pair pooled, as a prior of the shipped strengths."""
    chunks = [draw for set_pairs in pairs for draw in set_pairs]
    confidence = np.concatenate([c for c, _ in chunks])
    right = np.concatenate([r for _, r in chunks])
    mapping = fit_platt(confidence, right, prior=FLAT)
    return CalibrationPrior(
        slope=mapping.slope,
        intercept=mapping.intercept,
        precision=PRECISION,
        slip=1.0 - mapping.ceiling,
        slip_strength=SLIP_STRENGTH,
    )


def leave_one_out(pairs: dict[str, Pairs]) -> dict[str, CalibrationPrior]:
    """Each set's prior, learnt from every other set's pairs."""
    return {name: pooled_prior(p for other, p in pairs.items() if other != name) for name in pairs}


def main() -> None:
    pairs = {name: held_out_gold_pairs(name) for name in crowd_truth.set_names()}
    n = sum(len(c) for p in pairs.values() for c, _ in p)
    prior = pooled_prior(pairs.values())
    print(f"{len(pairs)} sets, {n} held-out gold pairs ({DRAWS} draws of {GOLD_SHARE:.0%})")
    print(
        f"CalibrationPrior(slope={prior.slope:.4f}, intercept={prior.intercept:.4f}, "
        f"precision={prior.precision}, slip={prior.slip:.4f}, "
        f"slip_strength={prior.slip_strength})"
    )


if __name__ == "__main__":
    main()
