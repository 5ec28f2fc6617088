"""One recompute of a project's quality: consensus, agreement, annotator figures, pausing and
adaptive overlap, written to tables so requests never recompute anything.

Paused annotators' answers are left out of consensus and agreement (rule 5), but their own
figures are still computed so a manager can see why they were paused.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, update
from sqlmodel import Session, select

from backend import clock
from backend.assignments.models import AnnotatorState
from backend.assignments.pausing import pause_reason
from backend.audit.service import record
from backend.consensus.answers import (
    Answer,
    load_answers,
    load_gold,
    load_texts,
    paused_annotators,
)
from backend.consensus.kinds import consensus_kind
from backend.consensus.kinds.base import ItemConsensus
from backend.consensus.models import AnnotatorStat, Consensus, ProjectQuality
from backend.items.models import Item
from backend.projects.models import Project
from quality import gold as gold_rules


def recompute_project(*, session: Session, project_id: int) -> dict[str, Any]:
    """Recompute and store everything for one project; returns a short summary."""
    started = time.perf_counter()
    project = session.get(Project, project_id)
    if project is None:
        return {"project_id": project_id, "skipped": "project deleted"}
    labels = [label["name"] for label in project.labels]
    kind = consensus_kind(project.kind)
    answers = load_answers(session=session, project_id=project_id)
    gold = load_gold(session=session, project_id=project_id)
    newly_paused = _apply_pause_rule(session=session, project=project)
    paused = paused_annotators(session=session, project_id=project_id)
    counted = [a for a in answers if a.annotator_id not in paused]

    weights = _reliability(counted, gold)
    texts = load_texts(session=session, project_id=project_id) if kind.needs_text else {}
    consensus = kind.infer(counted, gold=gold, labels=labels, weights=weights, texts=texts)
    per_item = Counter(a.item_id for a in counted)
    for item_id, answer in gold.items():
        consensus[item_id] = ItemConsensus(answer, 1.0, per_item[item_id])
    written = _store_consensus(
        session=session, project_id=project_id, consensus=consensus, method=kind.method
    )
    figures = {
        "agreement": kind.agreement([a for a in counted if a.item_id not in gold], labels=labels),
        "consensus": _confidence_summary(consensus, gold),
        "annotators": {"counted": len({a.annotator_id for a in counted}), "paused": len(paused)},
    }
    _store_annotator_stats(
        session=session,
        project=project,
        answers=answers,
        consensus=consensus,
        gold=gold,
        kind=kind,
        labels=labels,
    )
    raised = _adaptive_overlap(session=session, project=project, consensus=consensus, gold=gold)
    duration_ms = int((time.perf_counter() - started) * 1000)
    session.execute(
        update(ProjectQuality)
        .where(ProjectQuality.project_id == project_id)
        .values(
            figures=figures,
            n_annotations=len(answers),
            computed_at=clock.now(),
            duration_ms=duration_ms,
        )
    )
    session.commit()
    return {
        "project_id": project_id,
        "annotations": len(answers),
        "consensus_written": written,
        "overlap_raised": raised,
        "paused": newly_paused,
        "duration_ms": duration_ms,
    }


def _apply_pause_rule(*, session: Session, project: Project) -> list[int]:
    """Pause active annotators whose smoothed gold accuracy is below the project's bar.

    Reads the counters the submit path keeps (gold answers since the last resume), so a manager's
    resume gives the annotator a fresh start; the submit path applies the same rule at once.
    """
    states = session.exec(
        select(AnnotatorState).where(
            AnnotatorState.project_id == project.id, AnnotatorState.status == "active"
        )
    ).all()
    paused = []
    for state in states:
        reason = pause_reason(
            project=project, answered=state.gold_answered, correct=state.gold_correct
        )
        if reason is not None:
            state.status = "paused"
            state.paused_reason = reason
            state.paused_at = clock.now()
            session.add(state)
            record(
                session,
                org_id=project.org_id,
                actor_id=None,
                action="annotator.pause",
                target_type="user",
                target_id=state.user_id,
                data={"project_id": project.id, "reason": reason},
            )
            paused.append(state.user_id)
    session.flush()
    return paused


def _reliability(answers: Sequence[Answer], gold: Mapping[int, Any]) -> dict[int, float]:
    """Each annotator's smoothed gold accuracy (1 without gold answers), to weight fusion."""
    answered: Counter[int] = Counter()
    correct: defaultdict[int, float] = defaultdict(float)
    for a in answers:
        if a.item_id in gold and a.gold_score is not None:
            answered[a.annotator_id] += 1
            correct[a.annotator_id] += a.gold_score
    return {user: gold_rules.smoothed_accuracy(correct[user], answered[user]) for user in answered}


def _store_consensus(
    *, session: Session, project_id: int, consensus: Mapping[int, ItemConsensus], method: str
) -> int:
    """Write only what changed: new rows, changed rows, and rows whose item lost every answer."""
    existing = {
        item_id: (result, confidence, n)
        for item_id, result, confidence, n in session.exec(
            select(
                Consensus.item_id, Consensus.result, Consensus.confidence, Consensus.n_annotations
            ).where(Consensus.project_id == project_id)
        )
    }
    now = clock.now()
    inserts, updates = [], []
    for item_id, value in consensus.items():
        row = {
            "item_id": item_id,
            "project_id": project_id,
            "result": value.result,
            "confidence": value.confidence,
            "n_annotations": value.n_annotations,
            "method": method,
            "updated_at": now,
        }
        old = existing.get(item_id)
        if old is None:
            inserts.append(row)
        elif (
            old[0] != value.result
            or abs(old[1] - value.confidence) > 1e-9
            or old[2] != value.n_annotations
        ):
            updates.append(row)
    gone = [item_id for item_id in existing if item_id not in consensus]
    if inserts:
        session.execute(insert(Consensus), inserts)
    if updates:
        session.execute(update(Consensus), updates)
    if gone:
        session.execute(delete(Consensus).where(Consensus.item_id.in_(gone)))
    return len(inserts) + len(updates) + len(gone)


def _confidence_summary(
    consensus: Mapping[int, ItemConsensus], gold: Mapping[int, Any]
) -> dict[str, Any]:
    values = sorted(v.confidence for k, v in consensus.items() if k not in gold)
    if not values:
        return {"items": 0}
    edges = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0000001]
    histogram, lower = {}, 0.0
    for edge in edges:
        histogram[f"{lower:.2f}-{min(edge, 1.0):.2f}"] = sum(lower <= v < edge for v in values)
        lower = edge
    return {
        "items": len(values),
        "mean_confidence": sum(values) / len(values),
        "median_confidence": values[len(values) // 2],
        "histogram": histogram,
    }


def _store_annotator_stats(
    *,
    session: Session,
    project: Project,
    answers: Sequence[Answer],
    consensus: Mapping[int, ItemConsensus],
    gold: Mapping[int, dict[str, Any]],
    kind: Any,
    labels: Sequence[str],
) -> None:
    by_annotator: dict[int, list[Answer]] = defaultdict(list)
    for answer in answers:
        by_annotator[answer.annotator_id].append(answer)
    now = clock.now()
    rows = []
    for user_id, own in by_annotator.items():
        gold_own = [a for a in own if a.item_id in gold]
        gold_correct = sum(
            a.gold_score if a.gold_score is not None else kind.match(a.result, gold[a.item_id])
            for a in gold_own
        )
        compared = [
            a
            for a in own
            if a.item_id not in gold
            and a.item_id in consensus
            and consensus[a.item_id].n_annotations >= 2
        ]
        agreement = (
            sum(kind.match(a.result, consensus[a.item_id].result) for a in compared) / len(compared)
            if compared
            else None
        )
        rows.append(
            {
                "project_id": project.id,
                "user_id": user_id,
                "answers": len(own),
                "gold_answered": len(gold_own),
                "gold_correct": float(gold_correct),
                "gold_accuracy": (
                    gold_rules.smoothed_accuracy(gold_correct, len(gold_own)) if gold_own else None
                ),
                "agreement": agreement,
                "confusion": kind.confusion(own, consensus, labels),
                "updated_at": now,
            }
        )
    session.execute(delete(AnnotatorStat).where(AnnotatorStat.project_id == project.id))
    if rows:
        session.execute(insert(AnnotatorStat), rows)


def _adaptive_overlap(
    *,
    session: Session,
    project: Project,
    consensus: Mapping[int, ItemConsensus],
    gold: Mapping[int, Any],
) -> int:
    """Items whose consensus is below the agreement target want one more annotation."""
    if project.max_overlap <= project.overlap:
        return 0
    contested = [
        item_id
        for item_id, value in consensus.items()
        if item_id not in gold and value.confidence < project.agreement_target
    ]
    raised = 0
    for start in range(0, len(contested), 1000):
        chunk = contested[start : start + 1000]
        raised += session.execute(
            update(Item)
            .where(
                Item.id.in_(chunk),
                Item.is_gold.is_(False),
                Item.annotation_count >= Item.wanted,
                Item.wanted < project.max_overlap,
            )
            .values(wanted=Item.wanted + 1)
        ).rowcount
    return raised
