"""A project's life under the platform's rules, simulated in memory, with a model in the loop.

Used by ``bench_active_learning.py``. One run labels a pool of class items with a crowd:

* distribution (SPEC rules 1, 4): items with answers but not final first, then ``priority``
  (model uncertainty for ``ordering = uncertainty``; a 1-in-5 share in random order for
  ``mixed``), then a stable random order; nobody answers an item twice; gold items (a small
  reused set) are mixed in at ``gold_rate`` of each annotator's stream;
* adaptive overlap: an item is final when it holds ``overlap`` counted answers whose majority
  share reaches ``agreement_target``, or ``max_overlap`` answers; consensus is majority vote;
* pausing (rule 5): gold accuracy below ``min_gold_accuracy`` after ``gold_min_count`` gold
  answers, or (the pre-label guard) three or more wrong pre-labels accepted on gold at a rate of
  one half or more; a paused annotator's answers stop counting and their items reopen;
* the model is retrained on final consensus plus gold when the number of final items passes
  each of ``CHECKPOINTS`` (a Celery job "when enough new final answers exist"), and its
  prediction is the pre-label of every item served after that;
* annotators answer with the crowd simulator's noise model (``noisy_label``) and its timing
  (``simulated_duration_ms``). With a pre-label shown, an answer equal to it takes
  ``accept_factor`` of the time (one key), a different answer ``change_factor``; a blind
  acceptor returns the pre-label unread in ``blind_factor`` of the time. A correct pre-label is
  assumed NOT to make an honest annotator more accurate (no anchoring gain is credited).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from quality.models import margin_uncertainty
from support.crowd_simulator import AnnotatorProfile, noisy_label, simulated_duration_ms

CHECKPOINTS = (0, 50, 100, 150, 200, 300, 400, 500, 700, 1000, 1400, 2000, 2800, 4000)
CURVE_EVERY = 250  # paid annotations between two points of the model-filled curve


@dataclass(frozen=True)
class Arm:
    name: str
    ordering: str = "default"  # default | uncertainty | mixed
    prelabels: bool = False
    gold_prelabels: bool = True  # gold items show pre-labels like every other item


@dataclass(frozen=True)
class Rules:
    overlap: int = 2
    max_overlap: int = 5
    agreement_target: float = 0.7
    gold_rate: float = 0.05
    min_gold_accuracy: float = 0.7
    gold_min_count: int = 10
    accept_factor: float = 0.35
    change_factor: float = 1.1
    blind_factor: float = 0.25


@dataclass(frozen=True)
class Member:
    profile: AnnotatorProfile
    blind: bool = False  # accepts every pre-label without looking


@dataclass
class Run:
    arm: Arm
    paid: int = 0  # answers on normal items (gold is not paid: SPEC pay_gold false)
    gold_answers: int = 0
    seconds: float = 0.0
    delivered_accuracy: float = float("nan")
    paused: list[str] = field(default_factory=list)
    blind_wrong_accepted: int = 0  # wrong pre-labels blind acceptors returned on normal items
    # (final items, pre-label accuracy on items not yet final, on held-out items, fit seconds)
    learning: list[tuple[int, float, float, float]] = field(default_factory=list)
    filled: list[tuple[int, float]] = field(default_factory=list)  # paid, model-filled accuracy
    prelabel_shown: int = 0
    prelabel_accepted: int = 0


ARMS = (
    Arm("A default, no pre-labels"),
    Arm("B default, pre-labels", prelabels=True),
    Arm("C uncertainty, no pre-labels", ordering="uncertainty"),
    Arm("D uncertainty, pre-labels", ordering="uncertainty", prelabels=True),
    Arm("E mixed, pre-labels", ordering="mixed", prelabels=True),
    Arm("F uncertainty, pre-labels, gold without", "uncertainty", True, gold_prelabels=False),
)

Fit = Callable[[np.ndarray, np.ndarray], Any]  # (item indices, labels) -> model
Proba = Callable[[Any, np.ndarray], np.ndarray]  # (model, item indices) -> probabilities


def _order(
    arm: Arm, untouched: np.ndarray, base_rank: np.ndarray, proba: np.ndarray | None
) -> list[int]:
    """Untouched items in serving order for the arm's ``ordering``."""
    by_random = untouched[np.argsort(base_rank[untouched], kind="stable")]
    if arm.ordering == "default" or proba is None:
        return by_random.tolist()
    unsure = margin_uncertainty(proba[untouched])
    by_unsure = untouched[np.lexsort((base_rank[untouched], -unsure))]
    if arm.ordering == "uncertainty":
        return by_unsure.tolist()
    seen: set[int] = set()
    out: list[int] = []
    streams = [iter(by_random), iter(by_unsure)]
    for i in range(2 * len(untouched)):
        for item in streams[0 if i % 5 == 0 else 1]:
            if item not in seen:
                seen.add(item)
                out.append(int(item))
                break
    return out


def simulate(
    arm: Arm,
    *,
    truth: np.ndarray,
    gold: np.ndarray,
    labels: Sequence[str],
    crowd: Sequence[Member],
    fit: Fit,
    proba_of: Proba,
    holdout: Callable[[Any], float] | None = None,
    rules: Rules = Rules(),
    seed: int = 0,
) -> Run:
    """Label every normal item of the pool; ``gold`` indexes the gold items within ``truth``.

    ``holdout(model)`` gives the model's accuracy on items outside the pool (the learning
    curve: accuracy on the items still open is biased by which items ordering left open).
    """
    rng = np.random.default_rng(seed)
    n, k = len(truth), len(labels)
    is_gold = np.zeros(n, dtype=bool)
    is_gold[gold] = True
    normal = np.flatnonzero(~is_gold)
    base_rank = np.random.default_rng(seed + 1).permutation(n)
    votes = np.zeros((n, k), dtype=np.int64)
    final = np.zeros(n, dtype=bool)
    answered: list[set[int]] = [set() for _ in crowd]
    answers: list[list[tuple[int, int]]] = [[] for _ in crowd]  # (item, label) that count
    gold_seen = np.zeros(len(crowd), dtype=np.int64)
    gold_right = np.zeros(len(crowd), dtype=np.int64)
    wrong_shown = np.zeros(len(crowd), dtype=np.int64)
    wrong_taken = np.zeros(len(crowd), dtype=np.int64)
    active = np.ones(len(crowd), dtype=bool)
    run = Run(arm)
    proba: np.ndarray | None = None
    prelabel = np.full(n, -1, dtype=np.int64)
    next_checkpoint = 0
    queue: list[int] = []
    head = 0
    in_progress: set[int] = set()

    def is_final(i: int) -> bool:
        total = int(votes[i].sum())
        if total >= rules.max_overlap:
            return True
        return total >= rules.overlap and votes[i].max() / total >= rules.agreement_target

    def retrain() -> None:
        nonlocal proba, queue, head
        train = np.concatenate([normal[final[normal]], gold])
        y = np.concatenate([votes[normal[final[normal]]].argmax(axis=1), truth[gold]])
        if len(np.unique(y)) < 2:
            return
        started = time.perf_counter()
        model = fit(train, y)
        seconds = time.perf_counter() - started
        proba = proba_of(model, np.arange(n))
        prelabel[:] = proba.argmax(axis=1)
        rest = normal[~final[normal]]
        accuracy = float(np.mean(prelabel[rest] == truth[rest])) if len(rest) else float("nan")
        held_out = holdout(model) if holdout is not None else float("nan")
        run.learning.append((int(final[normal].sum()), accuracy, held_out, seconds))
        untouched = normal[(votes[normal].sum(axis=1) == 0)]
        queue, head = _order(arm, untouched, base_rank, proba), 0

    def filled_accuracy() -> float:
        delivered = np.where(final, votes.argmax(axis=1), prelabel if proba is not None else -1)
        return float(np.mean(delivered[normal] == truth[normal]))

    def pick(a: int) -> int | None:
        nonlocal head
        mine = [i for i in in_progress if i not in answered[a]]
        if mine:
            return min(mine, key=lambda i: base_rank[i])
        while head < len(queue):
            i = queue[head]
            head += 1
            if votes[i].sum() == 0 and not final[i]:
                return i
        return None

    def pause(a: int) -> None:
        active[a] = False
        run.paused.append(crowd[a].profile.name)
        for i, label in answers[a]:
            votes[i, label] -= 1
            if final[i] and not is_final(i):
                final[i] = False
            if not final[i]:
                in_progress.add(i)
        answers[a].clear()

    retrain()
    next_checkpoint = 1
    idle = 0  # draws in a row that found nothing for the drawn annotator
    while not final[normal].all() and idle < 50 * len(crowd):
        if (
            next_checkpoint < len(CHECKPOINTS)
            and final[normal].sum() >= CHECKPOINTS[next_checkpoint]
        ):
            retrain()
            next_checkpoint += 1
        candidates = np.flatnonzero(active)
        if len(candidates) == 0:
            raise RuntimeError("every annotator is paused")
        a = int(rng.choice(candidates))
        member = crowd[a]
        gold_left = [g for g in gold if g not in answered[a]]
        if gold_left and rng.random() < rules.gold_rate:
            item, on_gold = int(rng.choice(gold_left)), True
        else:
            picked = pick(a)
            if picked is None:
                idle += 1
                continue
            item, on_gold = picked, False
        idle = 0
        shown = proba is not None and arm.prelabels and (arm.gold_prelabels or not on_gold)
        if shown and member.blind:
            label = int(prelabel[item])
        else:
            label = labels.index(noisy_label(labels[truth[item]], labels, member.profile, rng))
        seconds = simulated_duration_ms(member.profile, rng) / 1000.0
        if shown:
            run.prelabel_shown += 1
            if member.blind:
                seconds *= rules.blind_factor
            elif label == prelabel[item]:
                seconds *= rules.accept_factor
            else:
                seconds *= rules.change_factor
            run.prelabel_accepted += int(label == prelabel[item])
        run.seconds += seconds
        answered[a].add(item)
        if on_gold:
            run.gold_answers += 1
            gold_seen[a] += 1
            gold_right[a] += int(label == truth[item])
            if shown and prelabel[item] != truth[item]:
                wrong_shown[a] += 1
                wrong_taken[a] += int(label == prelabel[item])
            careless = gold_seen[a] >= rules.gold_min_count and (
                gold_right[a] / gold_seen[a] < rules.min_gold_accuracy
            )
            blind = wrong_shown[a] >= 3 and wrong_taken[a] / wrong_shown[a] >= 0.5
            if careless or blind:
                pause(a)
            continue
        run.paid += 1
        if shown and member.blind and label != truth[item]:
            run.blind_wrong_accepted += 1
        votes[item, label] += 1
        answers[a].append((item, label))
        in_progress.add(item)
        if is_final(item):
            final[item] = True
            in_progress.discard(item)
        if run.paid % CURVE_EVERY == 0:
            run.filled.append((run.paid, filled_accuracy()))
    run.filled.append((run.paid, filled_accuracy()))
    delivered = votes[normal].argmax(axis=1)
    run.delivered_accuracy = float(np.mean(delivered == truth[normal]))
    return run


def paid_to_reach(run: Run, target: float) -> int | None:
    """Paid annotations at the first point of the model-filled curve at or above ``target``."""
    return next((paid for paid, accuracy in run.filled if accuracy >= target), None)
