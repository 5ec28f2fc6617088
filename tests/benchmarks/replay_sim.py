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

Which method's fit drives the stop. ``choice="final"`` (the replay before 2026-12-06): every
round fits ``method`` (Dawid-Skene), and the gold's choice (``choose_by_gold`` on every revealed
answer) only relabels the delivered items at the end. ``choice="platform"``: as the quality job
of a project whose ``inference_method`` is ``auto``, every round asks
``backend.consensus.method_choice.pick_method`` (the project's ``method_choice_min_gold``, the
kept choice and when it is made again), and that method's fit gives both the stop confidences
and, at the last round, the delivered labels.

How many answers the gold items get. ``gold_rate=None``: ``overlap`` each, like other items (the
replay before 2026-12-06). ``gold_rate=r``: as ``backend.assignments.leasing.choose_item`` serves
gold to a share ``r`` of the draws, the gold items get ``r / (1 - r)`` answers per answer of the
other items, spread evenly over them (each annotator sees a gold item at most once; the pool is
walked from a random key), up to their recorded answers; they count in the answers spent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backend.consensus.method_choice import pick_method
from backend.projects.models import Project
from quality.confidence import DEFAULT, METHODS, choose_by_gold, infer_classes

MIN_GOLD = Project.model_fields["method_choice_min_gold"].default
"""The project setting's default (the gold answers needed before the gold chooses)."""
GOLD_RATE = Project.model_fields["gold_rate"].default
"""The project setting's default share of draws that serve a gold item."""


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
    # choice="platform": (round, method, gold answers, answers, chosen_by) whenever it changed
    choices: tuple[tuple[int, str, int, int, str], ...] = field(default=())

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


class _Classes:
    """The slice of ``backend.kinds.classification.ClassesConsensus`` that ``pick_method``
    calls, on the replay's codes (the gold as ``{item: {"label": code}}``)."""

    method = DEFAULT
    methods = tuple(METHODS)

    def __init__(self, n_classes: int, *, matched_depth: bool = False) -> None:
        self.n_classes = n_classes
        self.matched_depth = matched_depth

    def choose_method(self, answers: Any, *, gold, labels, candidates):
        known = {item: answer["label"] for item, answer in gold.items()}
        triples = answers.triples
        if self.matched_depth:  # experiment: the gold items' first answers, as deep as the rest
            is_gold = np.isin(triples[:, 0], list(known))
            others = triples[~is_gold, 0]
            depth = int(np.ceil(len(others) / max(len(np.unique(others)), 1)))  # mean, rounded up
            triples = triples[~is_gold | (answers.order < depth)]
        return choose_by_gold(triples, known, candidates=candidates, classes=range(self.n_classes))


class _Revealed:
    """The revealed answers as ``pick_method`` reads an ``AnswerTable`` (length, items)."""

    def __init__(self, triples: NDArray[np.int64], order: NDArray[np.int64]) -> None:
        self.triples = triples
        self.item = triples[:, 0]
        self.order = order  # each answer's place among its item's (0: the first revealed)

    def __len__(self) -> int:
        return len(self.triples)


def _spread(want: int, caps: NDArray[np.int64]) -> NDArray[np.int64]:
    """``want`` answers over items holding at most ``caps`` each, as evenly as they allow
    (the first items in order take the remainder)."""
    want = min(int(want), int(caps.sum()))
    level = 0
    while level < caps.max() and np.minimum(caps, level + 1).sum() <= want:
        level += 1
    out = np.minimum(caps, level)
    extra = np.flatnonzero(caps > level)[: want - int(out.sum())]
    out[extra] += 1
    return out


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
    choice: str = "final",
    gold_rate: float | None = None,
    min_gold: int = MIN_GOLD,
    matched_depth: bool = False,
) -> Replayed:
    """The adaptive rule round by round (``stability=False``: items stop on the posterior
    alone, the rule before ``quality.confidence.stability``, for comparison). With ``gold``
    (item code -> label code) the project has gold: every fit is judged and recalibrated by
    it, as the quality job's ``infer_classes`` does (the gold is not clamped into the fit), and
    items stop on the gold-free stop confidence
    (``ClassConsensus.stop_confidence``, as ``recompute`` does). ``choice="final"``: ``method``
    in the loop, the delivered labels those of the method the gold chooses on every revealed
    answer; ``choice="platform"``: the method ``pick_method`` gives each round (``min_gold``:
    the project's ``method_choice_min_gold``) in the loop and delivered. ``gold_rate``: see the
    module's docstring. ``matched_depth`` (an experiment, not the platform; measured in
    ``results/replay_seeds.md``, not shipped): the gold scores the candidates on each gold item's
    first answers only, as many as the other items have on average (rounded up).
    """
    if choice not in ("final", "platform"):
        raise ValueError(f"choice is 'final' or 'platform', not {choice!r}")
    recorded = np.bincount(crowd.item, minlength=crowd.n_items)
    used = np.zeros(crowd.n_items, dtype=np.int64)
    open_ = np.ones(crowd.n_items, dtype=bool)
    is_gold = np.zeros(crowd.n_items, dtype=bool)
    is_gold[list(gold or ())] = True
    gold_rows = np.flatnonzero(is_gold)
    project = SimpleNamespace(inference_method="auto", method_choice_min_gold=min_gold)
    kind = _Classes(len(crowd.classes), matched_depth=matched_depth)
    gold_answers = {item: {"label": label} for item, label in (gold or {}).items()}
    previous: dict[str, Any] | None = None
    history: list[tuple[int, str, int, int, str]] = []
    rounds = 0
    labels = confidence = None
    loop_method = method
    while open_.any():
        used[open_] += 1
        np.minimum(used, recorded, out=used)
        if gold_rate is not None and len(gold_rows):
            normal = int(used[~is_gold].sum())
            want = round(gold_rate / (1.0 - gold_rate) * normal)
            used[gold_rows] = _spread(want, recorded[gold_rows])
        rounds += 1
        revealed = rank < used[crowd.item]
        if choice == "platform" and gold:
            triples = np.column_stack(
                [crowd.item[revealed], crowd.worker[revealed], crowd.label[revealed]]
            )
            answers = _Revealed(triples, rank[revealed])
            picked = pick_method(
                project=project,  # type: ignore[arg-type]
                kind=kind,
                answers=answers,  # type: ignore[arg-type]
                gold=gold_answers,
                labels=crowd.classes,
                previous=previous,
            )
            made = picked["chosen_by"] == "gold" and picked != previous  # (again) this round
            if made or previous is None or picked["chosen_by"] != previous["chosen_by"]:
                history.append(
                    (
                        rounds,
                        picked["method"],
                        int(picked.get("gold_answers", 0)),
                        int(revealed.sum()),
                        picked["chosen_by"],
                    )
                )
            previous = picked  # the figures of this recompute, read by the next
            loop_method = picked["method"]
        # the stop confidence is the gold-free one: no need for the gold's cross-fitting here
        labels, confidence = _fit(
            crowd,
            revealed,
            loop_method,
            gold,
            gold_calibration=False,
            max_answers=max_overlap if stability else None,
        )
        contested = ~is_gold & (confidence < agreement_target)  # recompute's raise_wanted
        open_ = ((used < overlap) | contested) & (used < max_overlap) & (used < recorded)
        if gold_rate is not None:
            open_ &= ~is_gold  # gold follows the other items' answers (above)
    assert labels is not None and confidence is not None
    if choice == "platform" and gold:
        return Replayed(
            labels, confidence, used.copy(), rounds, loop_method, labels, tuple(history)
        )
    if gold:
        revealed = rank < used[crowd.item]
        triples = np.column_stack(
            [crowd.item[revealed], crowd.worker[revealed], crowd.label[revealed]]
        )
        choice_ = choose_by_gold(triples, gold, classes=range(len(crowd.classes)))
        final, _ = _fit(crowd, revealed, choice_.method, gold, gold_calibration=False)
        return Replayed(final, confidence, used.copy(), rounds, choice_.method, labels)
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
