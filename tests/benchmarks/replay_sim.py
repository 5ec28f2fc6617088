"""Replaying a recorded crowd as a live project: the engine of ``bench_replay.py``.

Each item's recorded answers are revealed in a seeded shuffled order. In rounds, every open item
gets one more answer; after each round the consensus is recomputed on everything revealed with
the function the quality job calls for class projects (``quality.confidence.infer_classes``,
called by ``backend.kinds.classification.ClassesConsensus.infer``), and the platform's adaptive
rule decides which items get another answer: as in ``backend.consensus.recompute``, every item
not gold whose stop confidence (``ClassConsensus.stop_confidence``: the larger of the gold-free
posterior and the label's stability under the answers still allowed, ``max_answers`` =
``max_overlap``) is below ``agreement_target`` is contested and gets one more wanted answer, up
to ``max_overlap`` (or until its recorded answers are used up); so an item closed earlier opens
again when a refit lowers its confidence, as ``raise_wanted`` does. As in the platform, every
recompute refits all items, so the labels delivered are those of the last fit. This is a pure
replay of the quality functions, not the HTTP API: the API adds no arithmetic to them, and
driving it per answer would take hours on the larger sets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from quality.confidence import choose_by_gold, infer_classes


@dataclass(frozen=True)
class Crowd:
    """A recorded crowd as codes: per answer (item, worker, label); truth per item (-1 none)."""

    item: NDArray[np.int64]
    worker: NDArray[np.int64]
    label: NDArray[np.int64]
    truth: NDArray[np.int64]
    classes: list[str]

    @property
    def n_items(self) -> int:
        return len(self.truth)


def encode_crowd(answers: list[tuple[str, str, str]], gold: dict[str, str]) -> Crowd:
    items = {name: k for k, name in enumerate(dict.fromkeys(a[0] for a in answers))}
    workers = {name: k for k, name in enumerate(dict.fromkeys(a[1] for a in answers))}
    classes = sorted({a[2] for a in answers} | set(gold.values()))
    index = {c: k for k, c in enumerate(classes)}
    truth = np.full(len(items), -1, dtype=np.int64)
    for name, label in gold.items():
        truth[items[name]] = index[label]
    return Crowd(
        item=np.fromiter((items[a[0]] for a in answers), np.int64, len(answers)),
        worker=np.fromiter((workers[a[1]] for a in answers), np.int64, len(answers)),
        label=np.fromiter((index[a[2]] for a in answers), np.int64, len(answers)),
        truth=truth,
        classes=classes,
    )


def reveal_order(crowd: Crowd, seed: int) -> NDArray[np.int64]:
    """Rank of each answer within its item in a seeded shuffled order (0 = revealed first)."""
    rng = np.random.default_rng(seed)
    key = rng.random(len(crowd.item))
    order = np.lexsort((key, crowd.item))
    starts = np.searchsorted(crowd.item[order], np.arange(crowd.n_items))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - starts[crowd.item[order]]
    return rank


@dataclass(frozen=True)
class Replayed:
    labels: NDArray[np.int64]  # delivered label per item
    confidence: NDArray[np.float64]
    used: NDArray[np.int64]  # answers revealed per item
    rounds: int
    final_method: str = ""
    loop_labels: NDArray[np.int64] | None = None  # the in-loop method's labels at the end

    def loop_accuracy(self, truth: NDArray[np.int64]) -> float:
        known = truth >= 0
        labels = self.labels if self.loop_labels is None else self.loop_labels
        return float(np.mean(labels[known] == truth[known]))

    def accuracy(self, truth: NDArray[np.int64]) -> float:
        known = truth >= 0
        return float(np.mean(self.labels[known] == truth[known]))

    def share(self, total: int) -> float:
        return float(self.used.sum()) / total


def _fit(
    crowd: Crowd,
    revealed: NDArray[np.bool_],
    method: str,
    gold: dict[int, int] | None = None,
    *,
    gold_calibration: bool = True,
    max_answers: int | None = None,
):
    triples = np.column_stack([crowd.item[revealed], crowd.worker[revealed], crowd.label[revealed]])
    fit = infer_classes(
        triples,
        method=method,
        gold=gold,
        classes=range(len(crowd.classes)),
        gold_calibration=gold_calibration,
        max_answers=max_answers,
    )
    labels = np.full(crowd.n_items, -1, dtype=np.int64)
    confidence = np.zeros(crowd.n_items)
    rows = np.asarray(fit.items, dtype=np.int64)
    labels[rows] = np.asarray(fit.classes, dtype=np.int64)[fit.label]
    confidence[rows] = fit.stop_confidence  # what backend.consensus.recompute stops on
    return labels, confidence


def replay(
    crowd: Crowd,
    rank: NDArray[np.int64],
    *,
    agreement_target: float,
    overlap: int,
    max_overlap: int,
    method: str = "dawid_skene",
    gold: dict[int, int] | None = None,
    stability: bool = True,
) -> Replayed:
    """The adaptive rule round by round (``stability=False``: items stop on the posterior
    alone, the rule before ``quality.confidence.stability``, for comparison). With ``gold``
    (item code -> label code) the project has gold: every fit is judged and recalibrated by
    it, as the quality job's ``infer_classes`` does (the gold is not clamped into the fit), and
    items stop on the gold-free stop confidence
    (``ClassConsensus.stop_confidence``, as ``recompute`` does); the delivered labels are those
    of the method the gold chooses (``choose_by_gold``) on every revealed answer, the method of
    the project's last recompute.
    """
    recorded = np.bincount(crowd.item, minlength=crowd.n_items)
    used = np.zeros(crowd.n_items, dtype=np.int64)
    open_ = np.ones(crowd.n_items, dtype=bool)
    is_gold = np.zeros(crowd.n_items, dtype=bool)
    is_gold[list(gold or ())] = True
    rounds = 0
    labels = confidence = None
    while open_.any():
        used[open_] += 1
        np.minimum(used, recorded, out=used)
        rounds += 1
        # the stop confidence is the gold-free one: no need for the gold's cross-fitting here
        labels, confidence = _fit(
            crowd,
            rank < used[crowd.item],
            method,
            gold,
            gold_calibration=False,
            max_answers=max_overlap if stability else None,
        )
        contested = ~is_gold & (confidence < agreement_target)  # recompute's raise_wanted
        open_ = ((used < overlap) | contested) & (used < max_overlap) & (used < recorded)
    assert labels is not None and confidence is not None
    if gold:
        revealed = rank < used[crowd.item]
        triples = np.column_stack(
            [crowd.item[revealed], crowd.worker[revealed], crowd.label[revealed]]
        )
        choice = choose_by_gold(triples, gold, classes=range(len(crowd.classes)))
        final, _ = _fit(crowd, revealed, choice.method, gold, gold_calibration=False)
        return Replayed(final, confidence, used.copy(), rounds, choice.method, labels)
    return Replayed(labels, confidence, used.copy(), rounds)


def margin_vote(crowd: Crowd, rank: NDArray[np.int64], margin: int, seed: int) -> Replayed:
    """Majority vote that stops asking once the leading label leads by ``margin`` votes (or the
    answers are used up), answers revealed in the same order; ties broken at random (seeded)."""
    k = len(crowd.classes)
    order = np.lexsort((rank, crowd.item))
    item, label = crowd.item[order], crowd.label[order]
    one_hot = np.zeros((len(order), k))
    one_hot[np.arange(len(order)), label] = 1
    starts = np.searchsorted(item, np.arange(crowd.n_items))
    cumulative = np.cumsum(one_hot, axis=0)
    before = np.vstack([np.zeros((1, k)), cumulative])[starts][item]  # counts before the item
    running = cumulative - before  # votes so far within the item, after each answer
    top2 = np.sort(running, axis=1)[:, -2:] if k > 1 else np.hstack([running, running * 0])
    lead = top2[:, -1] - top2[:, 0]
    recorded = np.bincount(item, minlength=crowd.n_items)
    position = np.arange(len(order)) - starts[item]
    stop_here = (lead >= margin) | (position == recorded[item] - 1)
    first_stop = np.full(crowd.n_items, np.iinfo(np.int64).max)
    np.minimum.at(first_stop, item[stop_here], position[stop_here])
    used = first_stop + 1
    final_rows = starts + first_stop
    votes = running[final_rows]
    rng = np.random.default_rng(seed)
    noise = rng.random(votes.shape) * 1e-3
    labels = np.argmax(votes + noise * (votes == votes.max(axis=1, keepdims=True)), axis=1)
    share = votes.max(axis=1) / used
    return Replayed(labels.astype(np.int64), share, used.astype(np.int64), 0)
