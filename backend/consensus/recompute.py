"""One recompute of a project's quality: consensus, agreement, annotator figures, pausing and
adaptive overlap, written to tables so requests never recompute anything.

Paused annotators' answers are left out of consensus and agreement (rule 5), but their own
figures are still computed so a manager can see why they were paused.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import bindparam, delete, insert, text, update
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT
from sqlmodel import Session, select

from backend import clock
from backend.assignments.annotator_states import pause_all_due, paused_annotators
from backend.consensus.answers import (
    AnswerTable,
    load_answers,
    load_gold,
    load_texts,
)
from backend.consensus.models import AnnotatorStat, Consensus, ProjectQuality
from backend.db import UTCDateTime
from backend.items.models import Item
from backend.kinds import get_kind
from backend.kinds.consensus import ConsensusStrategy, Inferred
from backend.projects.models import Project
from quality import gold as gold_rules


def recompute_project(*, session: Session, project_id: int) -> dict[str, Any]:
    """Recompute and store everything for one project; returns a short summary."""
    started = time.perf_counter()
    started_at = clock.now()
    laps = _Laps()
    project = session.get(Project, project_id)
    if project is None:
        return {"project_id": project_id, "skipped": "project deleted"}
    labels = [label["name"] for label in project.labels]
    kind = get_kind(project.kind).consensus
    gold = load_gold(session=session, project_id=project_id)
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
    texts = load_texts(session=session, project_id=project_id) if kind.needs_text else {}
    inferred = kind.infer(counted, gold=gold, labels=labels, weights=weights, texts=texts)
    consensus = _with_gold(inferred, gold, gold_items, counted, answers.vocab)
    laps.lap("infer")
    written = _store_consensus(
        session=session, project_id=project_id, consensus=consensus, method=kind.method
    )
    laps.lap("consensus")
    not_gold = ~np.isin(consensus.item, gold_items)
    figures = {
        "agreement": kind.agreement(
            counted.take(~np.isin(counted.item, gold_items)), labels=labels
        ),
        "consensus": _confidence_summary(consensus.confidence[not_gold]),
        "annotators": {"counted": len(np.unique(counted.annotator)), "paused": len(paused)},
    }
    laps.lap("agreement")
    _store_annotator_stats(
        session=session,
        project=project,
        answers=answers,
        consensus=consensus,
        gold=_gold_table(gold, gold_items, answers.vocab, np.zeros(len(gold), dtype=np.int64)),
        kind=kind,
        labels=labels,
    )
    laps.lap("annotators")
    contested = consensus.item[not_gold & (consensus.confidence < project.agreement_target)]
    raised = _adaptive_overlap(session=session, project=project, contested=contested)
    laps.lap("overlap")
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
    laps.lap("commit")
    return {
        "project_id": project_id,
        "started_at": started_at.isoformat(),
        "annotations": len(answers),
        "consensus_written": written,
        "overlap_raised": raised,
        "paused": newly_paused,
        "duration_ms": duration_ms,
        "timings_ms": laps.ms,
    }


class _Laps:
    """Wall time of each step of a recompute, in milliseconds, for logs and the benchmark."""

    def __init__(self) -> None:
        self.ms: dict[str, int] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.ms[name] = int((now - self._last) * 1000)
        self._last = now


def _reliability(answers: AnswerTable, gold_items: NDArray[np.int64]) -> dict[int, float]:
    """Each annotator's smoothed gold accuracy (1 without gold answers), to weight fusion."""
    scored = np.isin(answers.item, gold_items) & ~np.isnan(answers.gold_score)
    if not scored.any():
        return {}
    users, index = np.unique(answers.annotator[scored], return_inverse=True)
    answered = np.bincount(index, minlength=len(users))
    correct = np.bincount(index, weights=answers.gold_score[scored], minlength=len(users))
    return {
        int(user): gold_rules.smoothed_accuracy(float(c), int(n))
        for user, n, c in zip(users.tolist(), answered.tolist(), correct.tolist(), strict=True)
    }


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


def _store_consensus(*, session: Session, project_id: int, consensus: Inferred, method: str) -> int:
    """Write only what changed: new rows, changed rows, and rows whose item lost every answer."""
    if session.get_bind().dialect.name == "postgresql":
        return _store_consensus_postgresql(
            session=session, project_id=project_id, consensus=consensus, method=method
        )
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
    for item_id, result, confidence, n in zip(
        consensus.item.tolist(),
        consensus.results,
        consensus.confidence.tolist(),
        consensus.n.tolist(),
        strict=True,
    ):
        row = {
            "item_id": item_id,
            "project_id": project_id,
            "result": result,
            "confidence": confidence,
            "n_annotations": n,
            "method": method,
            "updated_at": now,
        }
        old = existing.pop(item_id, None)
        if old is None:
            inserts.append(row)
        elif old[0] != result or abs(old[1] - confidence) > 1e-9 or old[2] != n:
            updates.append(row)
    gone = list(existing)
    for start in range(0, len(inserts), 5000):
        session.execute(insert(Consensus), inserts[start : start + 5000])
    for start in range(0, len(updates), 5000):
        session.execute(update(Consensus), updates[start : start + 5000])
    for start in range(0, len(gone), 500):
        session.execute(delete(Consensus).where(Consensus.item_id.in_(gone[start : start + 500])))
    return len(inserts) + len(updates) + len(gone)


_CONSENSUS_DIFF = (
    "UPDATE consensus c SET project_id = :p, result = t.result, confidence = t.confidence, "
    "n_annotations = t.n, method = :method, updated_at = :now FROM consensus_new t "
    "WHERE c.item_id = t.item_id AND (c.result <> t.result "
    "OR abs(c.confidence - t.confidence) > 1e-9 OR c.n_annotations <> t.n)",
    # not an anti-join on consensus itself: with an empty (never analysed) table the planner
    # picks a nested loop that rescans the rows this very statement adds, quadratic in rows
    "INSERT INTO consensus (item_id, project_id, result, confidence, n_annotations, method, "
    "updated_at) SELECT t.item_id, :p, t.result, t.confidence, t.n, :method, :now "
    "FROM consensus_new t ON CONFLICT (item_id) DO NOTHING",
    "DELETE FROM consensus c WHERE c.project_id = :p "
    "AND NOT EXISTS (SELECT 1 FROM consensus_new t WHERE t.item_id = c.item_id)",
)


def _store_consensus_postgresql(
    *, session: Session, project_id: int, consensus: Inferred, method: str
) -> int:
    """The same on PostgreSQL, compared in the database: the new consensus goes into a temporary
    table by COPY, then one UPDATE, one INSERT and one DELETE touch only the rows that differ
    (``jsonb`` equality, confidence beyond 1e-9, count) — no row travels back to Python."""
    connection = session.connection()
    connection.exec_driver_sql(
        "CREATE TEMPORARY TABLE IF NOT EXISTS consensus_new (item_id bigint PRIMARY KEY, "
        "result jsonb NOT NULL, confidence double precision NOT NULL, n integer NOT NULL) "
        "ON COMMIT DELETE ROWS"
    )
    connection.exec_driver_sql("TRUNCATE consensus_new")
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        with cursor.copy("COPY consensus_new (item_id, result, confidence, n) FROM STDIN") as copy:
            for chunk in _copy_text(consensus):
                copy.write(chunk)
    finally:
        cursor.close()
    connection.exec_driver_sql("ANALYZE consensus_new")
    params = {"p": project_id, "method": method, "now": clock.now()}
    written = 0
    for statement in _CONSENSUS_DIFF:
        query = text(statement)
        if ":now" in statement:
            query = query.bindparams(bindparam("now", type_=UTCDateTime()))
        written += connection.execute(query, params).rowcount
    return written


def _copy_text(consensus: Inferred, rows_per_chunk: int = 20_000) -> Any:
    """COPY text-format lines of the consensus, in chunks; results encoded once per label."""
    if consensus.label is not None:
        cache: dict[int, str] = {}
        encoded = []
        for code, result in zip(consensus.label.tolist(), consensus.results, strict=True):
            if code < 0 or len(result) != 1 or "label" not in result:  # not a plain label
                encoded.append(_copy_escape(json.dumps(result)))
                continue
            value = cache.get(code)
            if value is None:
                value = cache[code] = _copy_escape(json.dumps(result))
            encoded.append(value)
    else:
        encoded = [_copy_escape(json.dumps(result)) for result in consensus.results]
    items, confidence, n = (
        consensus.item.tolist(),
        consensus.confidence.tolist(),
        consensus.n.tolist(),
    )
    for start in range(0, len(items), rows_per_chunk):
        stop = start + rows_per_chunk
        lines = [
            f"{i}\t{r}\t{c!r}\t{k}\n"
            for i, r, c, k in zip(
                items[start:stop],
                encoded[start:stop],
                confidence[start:stop],
                n[start:stop],
                strict=True,
            )
        ]
        yield "".join(lines).encode()


def _copy_escape(value: str) -> str:
    """A value for COPY's text format: backslash, tab, newline and carriage return escaped."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


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


def _store_annotator_stats(
    *,
    session: Session,
    project: Project,
    answers: AnswerTable,
    consensus: Inferred,
    gold: Inferred,
    kind: ConsensusStrategy,
    labels: Sequence[str],
) -> None:
    """Per annotator: answers, gold answered and correct, agreement with the consensus.

    Sums run per annotator in answer order (``np.bincount`` adds its weights in input order), so
    the figures are the ones a loop over each annotator's answers gives.
    """
    users, user_index = np.unique(answers.annotator, return_inverse=True)
    n_users = len(users)
    count = np.bincount(user_index, minlength=n_users)

    gold_at = gold.positions(answers.item)
    on_gold = np.flatnonzero(gold_at >= 0)
    gold_scores = answers.gold_score[on_gold].copy()
    unscored = np.isnan(gold_scores)
    if unscored.any():
        rows = on_gold[unscored]
        gold_scores[unscored] = kind.scores(answers, rows, gold, gold_at[rows])
    gold_answered = np.bincount(user_index[on_gold], minlength=n_users)
    gold_correct = np.bincount(user_index[on_gold], weights=gold_scores, minlength=n_users)

    at = consensus.positions(answers.item)
    compared = np.flatnonzero((gold_at < 0) & (at >= 0) & (consensus.n[np.maximum(at, 0)] >= 2))
    matched = kind.scores(answers, compared, consensus, at[compared])
    n_compared = np.bincount(user_index[compared], minlength=n_users)
    agreed = np.bincount(user_index[compared], weights=matched, minlength=n_users)
    confusions = kind.confusions(answers, consensus, labels)

    now = clock.now()
    rows_out = []
    for j, user_id in enumerate(users.tolist()):
        answered, correct = int(gold_answered[j]), float(gold_correct[j])
        rows_out.append(
            {
                "project_id": project.id,
                "user_id": user_id,
                "answers": int(count[j]),
                "gold_answered": answered,
                "gold_correct": correct,
                "gold_accuracy": (
                    gold_rules.smoothed_accuracy(correct, answered) if answered else None
                ),
                "agreement": float(agreed[j] / n_compared[j]) if n_compared[j] else None,
                "confusion": confusions.get(user_id),
                "updated_at": now,
            }
        )
    session.execute(delete(AnnotatorStat).where(AnnotatorStat.project_id == project.id))
    if rows_out:
        session.execute(insert(AnnotatorStat), rows_out)


def _adaptive_overlap(*, session: Session, project: Project, contested: NDArray[np.int64]) -> int:
    """Items whose consensus is below the agreement target want one more annotation."""
    if project.max_overlap <= project.overlap or not len(contested):
        return 0
    ids = contested.tolist()
    postgresql = session.get_bind().dialect.name == "postgresql"
    chunk = len(ids) if postgresql else 500
    raised = 0
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        matches = (
            Item.id == bindparam("ids", part, type_=ARRAY(BIGINT)).any_()  # one array parameter
            if postgresql
            else Item.id.in_(part)
        )
        raised += session.execute(
            update(Item)
            .where(
                matches,
                Item.is_gold.is_(False),
                Item.annotation_count >= Item.wanted,
                Item.wanted < project.max_overlap,
            )
            .values(wanted=Item.wanted + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
    return raised
