"""Calibration of consensus confidence on the crowd simulator, per kind (for bench_replay).

A simulated crowd (``tests/support/crowd_simulator``: experts, average, careless annotators and a
spammer) answers items of known truth, three annotators per item; 10% of the items are gold and
give every annotator a gold record. Consensus and confidence come from the kinds' own strategies
(``backend.kinds``: ``ClassesConsensus.infer``, ``BoxesConsensus.infer``) with the weights the
quality job passes (``quality.confidence.annotator_weights`` of the gold records). An item's
consensus is right when it equals the truth (classes) or matches it with F1 = 1 at IoU ≥ 0.5
(boxes); ECE compares the confidence with that.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from backend.kinds.answers import AnswerTable
from backend.kinds.classification import CLASSES
from backend.kinds.image_boxes import BoxesConsensus
from quality.confidence import annotator_weights, expected_calibration_error
from tests.support.crowd_simulator import crowd_profiles, noisy_boxes, noisy_label

LABELS = ["scratch", "dent", "stain"]
W, H = 400.0, 300.0


def _crowd():
    return crowd_profiles(expert=2, average=4, careless=2, spammer=1)


def _truth_boxes(rng: np.random.Generator) -> list[dict[str, Any]]:
    boxes = []
    for k in range(int(rng.integers(1, 4))):
        x, y = 20 + 120 * k + rng.uniform(0, 40), rng.uniform(20, 200)
        boxes.append({"label": LABELS[int(rng.integers(3))], "x": x, "y": y, "w": 60.0, "h": 50.0})
    return boxes


def _table(rows: list[tuple[int, int, dict[str, Any]]], label: bool) -> AnswerTable:
    item = np.asarray([r[0] for r in rows], dtype=np.int64)
    annotator = np.asarray([r[1] for r in rows], dtype=np.int64)
    codes = None
    if label:
        codes = np.asarray([LABELS.index(r[2]["label"]) for r in rows], dtype=np.intp)
    return AnswerTable(
        item=item,
        annotator=annotator,
        is_gold=np.zeros(len(rows), dtype=bool),
        gold_score=np.full(len(rows), np.nan),
        label=codes,
        vocab=list(LABELS),
        results=None if label else [r[2] for r in rows],
    )


def simulate(kind: str, *, n_items: int = 600, seed: int = 5) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    crowd = _crowd()
    boxes = BoxesConsensus()
    truth: dict[int, dict[str, Any]] = {}
    rows: list[tuple[int, int, dict[str, Any]]] = []
    for item in range(n_items):
        if kind == "classes":
            truth[item] = {"label": LABELS[int(rng.integers(3))]}
        else:
            truth[item] = {"boxes": _truth_boxes(rng)}
        for who in rng.choice(len(crowd), 3, replace=False).tolist():
            p = crowd[who]
            if kind == "classes":
                result = {"label": noisy_label(truth[item]["label"], LABELS, p, rng)}
            else:
                result = {"boxes": noisy_boxes(truth[item]["boxes"], LABELS, W, H, p, rng)}
            rows.append((item, who, result))
    gold_items = set(range(0, n_items, 10))
    match = CLASSES.match if kind == "classes" else boxes.match
    records: dict[int, list[float]] = {}
    for item, who, result in rows:
        if item in gold_items:
            score = match(result, truth[item])
            records.setdefault(who, [0.0, 0.0])
            records[who][0] += score
            records[who][1] += 1
    weights = annotator_weights({w: (c, n) for w, (c, n) in records.items()}, range(len(crowd)))
    counted = [r for r in rows if r[0] not in gold_items]
    table = _table(counted, label=kind == "classes")
    strategy = CLASSES if kind == "classes" else boxes
    inferred = strategy.infer(
        table,
        gold={},
        labels=LABELS,
        weights={int(k): float(v) for k, v in weights.items()},  # type: ignore[call-overload]
        texts={},
    )
    correct = np.asarray(
        [
            match(result, truth[int(item)]) == 1.0
            for item, result in zip(inferred.item.tolist(), inferred.results, strict=True)
        ]
    )
    return {
        "items": float(len(inferred)),
        "accuracy": float(correct.mean()),
        "mean_confidence": float(inferred.confidence.mean()),
        "ece": expected_calibration_error(inferred.confidence, correct),
    }
