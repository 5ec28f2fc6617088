"""One recompute of a project's quality: consensus, agreement, annotator figures, pausing and
adaptive overlap, written to tables so requests never recompute anything.

Paused annotators' answers are left out of consensus and agreement (rule 5), but their own
figures are still computed so a manager can see why they were paused. The run reads the other
domains' rows through their services (annotations from ``assignments``, gold answers, texts and
``wanted`` from ``items``), writes only its own tables (``store``, ``annotator_stats``), and tells
the domains above which items it finished (``ItemsFinished``, inside its transaction); a pause it
applies emits ``AnnotationsStoppedCounting`` the same way (``annotator_states``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import update
from sqlmodel import Session

from backend import clock, events
from backend.assignments.annotator_states import pause_all_due, paused_annotators
from backend.consensus.annotator_stats import store_annotator_stats
from backend.consensus.answers import AnswerTable, load_answers
from backend.consensus.final_answers import final_answers
from backend.consensus.method_choice import pick_method
from backend.consensus.models import ProjectQuality
from backend.consensus.scheduling import needs_another_run
from backend.consensus.store import Stored, store_consensus
from backend.items.finals import final_ids
from backend.items.progress import done_items, raise_wanted, want_more
from backend.items.queries import gold_answers, item_texts
from backend.kinds import get_kind
from backend.kinds.consensus import Inferred
from backend.projects.models import Project
from quality import confidence as calibration
from quality._bulk import collector_paused


def recompute_project(*, session: Session, project_id: int) -> dict[str, Any]:
    """Recompute and store everything for one project; returns a short summary.

    The cyclic garbage collector is paused for the run: the parsed answers are millions of
    small containers without cycles, and each collection the run's allocations triggered walked
    them all again (0.8 s of 1.9 s CPU on 60,000 box answers); what the run leaves behind is
    freed by reference counting when it returns."""
    with collector_paused():
        return _recompute_project(session=session, project_id=project_id)


def _recompute_project(*, session: Session, project_id: int) -> dict[str, Any]:
    started = time.perf_counter()
    started_at = clock.now()
    laps = _Laps()
    project = session.get(Project, project_id)
    if project is None:
        return {"project_id": project_id, "skipped": "project deleted"}
    labels = [label["name"] for label in project.labels]
    kind = get_kind(project.kind).consensus
    gold = gold_answers(session=session, project_id=project_id)
    answers = load_answers(
        session=session,
        project_id=project_id,
        label_field=kind.label_field,
        labels=labels,
        gold_labels=[a.get(kind.label_field) for a in gold.values()] if kind.label_field else (),
    )
    newly_paused = pause_all_due(session=session, project=project)
    paused = paused_annotators(session=session, project_id=project_id)
    counted = answers.take(~np.isin(answers.annotator, paused)) if paused else answers
    gold_items = np.fromiter(gold, dtype=np.int64, count=len(gold))
    laps.lap("load")

    weights = _reliability(counted, gold_items)
    texts = item_texts(session=session, project_id=project_id) if kind.needs_text else {}
    previous = session.get(ProjectQuality, project_id)
    choice = pick_method(
        project=project,
        kind=kind,
        answers=counted,
        gold=gold,
        labels=labels,
        previous=(previous.figures or {}).get("method_choice") if previous else None,
    )
    laps.lap("method")
    options: dict[str, Any] = (
        {"method": choice["method"], "max_answers": project.max_overlap}
        if getattr(kind, "methods", ())
        else {}
    )
    inferred = kind.infer(
        counted, gold=gold, labels=labels, weights=weights, texts=texts, **options
    )
    # Gold items keep their known answer; items a later stage settled keep their final one.
    known = {**final_answers(session=session, project_id=project_id), **gold}
    known_items = np.fromiter(known, dtype=np.int64, count=len(known))
    consensus = _with_gold(inferred, known, known_items, counted, answers.vocab)
    laps.lap("infer")
    stored = store_consensus(
        session=session, project_id=project_id, consensus=consensus, method=choice["method"]
    )
    laps.lap("consensus")
    not_gold = ~np.isin(consensus.item, gold_items)
    figures = {
        "agreement": kind.agreement(
            counted.take(~np.isin(counted.item, gold_items)), labels=labels
        ),
        "consensus": _confidence_summary(consensus.confidence[not_gold]),
        "annotators": {"counted": len(np.unique(counted.annotator)), "paused": len(paused)},
        "method": choice["method"],
        "method_choice": choice,
    }
    laps.lap("agreement")
    store_annotator_stats(
        session=session,
        project=project,
        answers=answers,
        consensus=consensus,
        gold=_gold_table(gold, gold_items, answers.vocab, np.zeros(len(gold), dtype=np.int64)),
        kind=kind,
        labels=labels,
    )
    laps.lap("annotators")
    contested = consensus.item[not_gold & (consensus.stopping < project.agreement_target)]
    raised = 0
    if project.max_overlap > project.overlap and len(contested):
        raised = raise_wanted(
            session=session,
            item_ids=contested.tolist(),
            up_to=project.max_overlap,
            final_too=False,
        )
    if paused:
        raised += _replace_uncounted(session, project_id, answers, counted, paused, gold_items,
                                     overlap=project.overlap)  # fmt: skip
    laps.lap("overlap")
    done = done_items(session=session, project_id=project_id)
    figures["delivered"] = _delivered(consensus.take(not_gold), done, overlap=project.overlap)
    finished = _finished(session=session, project_id=project_id, stored=stored, done=done)
    laps.lap("finished")
    duration_ms = int((time.perf_counter() - started) * 1000)
    # Annotations this run did not read (a submit that saw the flag still set before the claim
    # and committed after it) flag the next run in the same commit, so the project never looks
    # up to date in between: the quality page, and whoever waits on it, would see a finished
    # run that missed them.
    missed = needs_another_run(session=session, project_id=project_id, counted=len(answers))
    session.execute(
        update(ProjectQuality)
        .where(ProjectQuality.project_id == project_id)
        .values(
            figures=figures,
            n_annotations=len(answers),
            computed_at=clock.now(),
            duration_ms=duration_ms,
            **({"requested_at": clock.now()} if missed else {}),
        )
    )
    session.commit()
    laps.lap("commit")
    return {
        "project_id": project_id,
        "started_at": started_at.isoformat(),
        "annotations": len(answers),
        "requested_again": missed,
        "consensus_written": stored.written,
        "finished": finished,
        "overlap_raised": raised,
        "paused": newly_paused,
        "duration_ms": duration_ms,
        "timings_ms": laps.ms,
        "cpu_ms": laps.cpu_ms,
    }


def _finished(
    *, session: Session, project_id: int, stored: Stored, done: NDArray[np.int64]
) -> int | None:
    """Emit ``ItemsFinished`` for the items whose consensus this run inserted or changed and
    that are ``done`` (the annotations they want, after this run's overlap raise; never gold: a
    gold item's row is its known answer). Returns how many, or None when nobody listens."""
    if not events.has_listeners(events.ItemsFinished):
        return None
    finished = np.intersect1d(stored.changed, done, assume_unique=True)
    if len(finished):
        events.emit(
            events.ItemsFinished(session=session, project_id=project_id, item_ids=finished.tolist())
        )
    return len(finished)


class _Laps:
    """Wall and CPU time of each step of a recompute, in milliseconds, for logs and the
    benchmark (on a shared machine the CPU time is the figure that does not move with the load)."""

    def __init__(self) -> None:
        self.ms: dict[str, int] = {}
        self.cpu_ms: dict[str, int] = {}
        self._last = time.perf_counter()
        self._last_cpu = time.process_time()

    def lap(self, name: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        self.ms[name] = int((now - self._last) * 1000)
        self.cpu_ms[name] = int((cpu - self._last_cpu) * 1000)
        self._last, self._last_cpu = now, cpu


def _reliability(answers: AnswerTable, gold_items: NDArray[np.int64]) -> dict[int, float]:
    """Each counted annotator's estimated accuracy from their gold record, shrunk towards the
    crowd's pooled gold accuracy; an annotator without gold answers gets the crowd's prior, never
    more than a proven better one (``quality.confidence.annotator_weights``). Empty when nobody
    has a gold record: the kinds then weigh everybody alike."""
    scored = np.isin(answers.item, gold_items) & ~np.isnan(answers.gold_score)
    if not scored.any():
        return {}
    users, index = np.unique(answers.annotator[scored], return_inverse=True)
    answered = np.bincount(index, minlength=len(users))
    correct = np.bincount(index, weights=answers.gold_score[scored], minlength=len(users))
    records = {
        int(user): (float(c), float(n))
        for user, n, c in zip(users.tolist(), answered.tolist(), correct.tolist(), strict=True)
    }
    everybody = np.unique(answers.annotator).tolist()
    weights = calibration.annotator_weights(records, everybody)
    return {int(user): float(w) for user, w in weights.items()}  # type: ignore[call-overload]


def _replace_uncounted(
    session: Session,
    project_id: int,
    answers: AnswerTable,
    counted: AnswerTable,
    paused: Sequence[int],
    gold_items: NDArray[np.int64],
    *,
    overlap: int,
) -> int:
    """Items that lack counted answers since a pause want as many more: those not final here
    (``want_more``), the final ones through ``FinalItemsLackAnswers`` (a settling stage decides
    whether to reopen them). Returns how many items were raised here."""
    lacking = _lacking(answers, counted, paused, gold_items, overlap=overlap)
    if not lacking:
        return 0
    final = final_ids(session=session, item_ids=list(lacking))
    if final:
        events.emit(
            events.FinalItemsLackAnswers(
                session=session,
                project_id=project_id,
                missing={item: lacking[item] for item in sorted(final)},
            )
        )
    return want_more(session=session, missing=lacking)  # final items are left out here


def _lacking(
    answers: AnswerTable,
    counted: AnswerTable,
    paused: Sequence[int],
    gold_items: NDArray[np.int64],
    *,
    overlap: int,
) -> dict[int, int]:
    """Items a paused annotator answered, and how many counted answers each lacks to
    ``overlap``. The pause takes those answers out of consensus (SPEC, rule 5) but not out of
    the item's counter, so without replacements such an item stayed done with fewer counted
    answers than ``overlap``: the quality page listed it delivered and incomplete at once."""
    touched = np.unique(answers.item[np.isin(answers.annotator, paused)])
    touched = touched[~np.isin(touched, gold_items)]
    if not len(touched):
        return {}
    mine = counted.item[np.isin(counted.item, touched)]
    have = np.bincount(np.searchsorted(touched, mine), minlength=len(touched))
    lacking = overlap - have
    keep = lacking > 0
    return dict(zip(touched[keep].tolist(), lacking[keep].tolist(), strict=True))


def _delivered(consensus: Inferred, done: NDArray[np.int64], *, overlap: int) -> dict[str, Any]:
    """The delivered set's estimated accuracy (mean calibrated confidence of the done items)
    and the answers spent per item, for the quality page."""
    final = np.isin(consensus.item, done)
    n_items = len(consensus)
    figures: dict[str, Any] = {
        "items": int(final.sum()),
        "estimated_accuracy": float(consensus.confidence[final].mean()) if final.any() else None,
        "answers_per_item": float(consensus.n[final].mean()) if final.any() else None,
        "answers_per_item_all": float(consensus.n.mean()) if n_items else None,
        "incomplete": int((consensus.n < overlap).sum()),
    }
    return figures


def _gold_table(
    gold: Mapping[int, dict[str, Any]],
    gold_items: NDArray[np.int64],
    vocab: Sequence[str],
    n: NDArray[np.int64],
) -> Inferred:
    """The known answers as a consensus table (confidence 1)."""
    results = list(gold.values())
    codes = None
    if vocab:
        index = {name: k for k, name in enumerate(vocab)}
        codes = np.fromiter(
            (index.get(r.get("label"), -1) for r in results), dtype=np.intp, count=len(results)
        )
    return Inferred(
        item=gold_items,
        results=results,
        confidence=np.ones(len(gold_items)),
        n=n,
        label=codes,
    )


def _with_gold(
    inferred: Inferred,
    gold: Mapping[int, dict[str, Any]],
    gold_items: NDArray[np.int64],
    counted: AnswerTable,
    vocab: Sequence[str],
) -> Inferred:
    """The inferred consensus with every gold item's row replaced by its known answer."""
    if not len(gold_items):
        return inferred
    items, counts = np.unique(counted.item, return_counts=True)
    n = np.zeros(len(gold_items), dtype=np.int64)
    if len(items):
        at = np.minimum(np.searchsorted(items, gold_items), len(items) - 1)
        hit = items[at] == gold_items
        n[hit] = counts[at[hit]]
    known = _gold_table(gold, gold_items, vocab if inferred.label is not None else [], n)
    return Inferred.concat(inferred.take(~np.isin(inferred.item, gold_items)), known)


def _confidence_summary(confidence: NDArray[np.float64]) -> dict[str, Any]:
    values = np.sort(confidence)
    if not len(values):
        return {"items": 0}
    edges = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0000001]
    histogram, lower = {}, 0.0
    for edge in edges:
        inside = int(np.count_nonzero((values >= lower) & (values < edge)))
        histogram[f"{lower:.2f}-{min(edge, 1.0):.2f}"] = inside
        lower = edge
    as_list = values.tolist()
    return {
        "items": len(as_list),
        "mean_confidence": sum(as_list) / len(as_list),
        "median_confidence": as_list[len(as_list) // 2],
        "histogram": histogram,
    }
