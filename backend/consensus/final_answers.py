"""Final answers a later stage settled (a reviewer's fix, or the consensus a reviewer accepted),
and what those stages read and change of the consensus table.

Review sits above consensus, so it never gets imported here: it registers a provider of final
answers at process start (``backend.wiring``). Every recompute then keeps those items' rows at
their final answer (confidence 1, as a gold item's row is its known answer), so a fix is what
consensus, agreement, annotator figures and exports use, and an accepted answer does not drift
when later answers move the inferred truth elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, select

from backend import clock
from backend.consensus.models import AnnotatorStat, Consensus

Provider = Callable[[Session, int], Mapping[int, dict[str, Any]]]

_providers: list[Provider] = []


def register_provider(provider: Provider) -> None:
    """``provider(session, project_id)`` → ``{item_id: final result}``; once, however often."""
    if provider not in _providers:
        _providers.append(provider)


def final_answers(*, session: Session, project_id: int) -> dict[int, dict[str, Any]]:
    """Every registered stage's final answers of the project (a later provider wins)."""
    found: dict[int, dict[str, Any]] = {}
    for provider in _providers:
        found.update(provider(session, project_id))
    return found


def consensus_rows(*, session: Session, item_ids: Sequence[int]) -> dict[int, Consensus]:
    """The consensus rows of ``item_ids`` that exist."""
    found: dict[int, Consensus] = {}
    ids = list(item_ids)
    for start in range(0, len(ids), 500):
        rows = session.exec(
            select(Consensus).where(Consensus.item_id.in_(ids[start : start + 500]))
        ).all()
        found.update({row.item_id: row for row in rows})
    return found


def settle(*, session: Session, project_id: int, item_id: int, result: dict[str, Any]) -> None:
    """Write an item's final answer into its consensus row now (the next recompute keeps it)."""
    row = session.get(Consensus, item_id)
    if row is None:
        session.add(
            Consensus(
                item_id=item_id,
                project_id=project_id,
                result=result,
                confidence=1.0,
                n_annotations=0,
                method="review",
                updated_at=clock.now(),
            )
        )
        return
    session.execute(
        update(Consensus)
        .where(Consensus.item_id == item_id)
        .values(result=result, confidence=1.0, updated_at=clock.now())
        .execution_options(synchronize_session=False)
    )


def forget(*, session: Session, item_ids: Sequence[int]) -> None:
    """Drop the consensus of items whose answers stopped counting (a review rejected them): the
    item has no answer until its rework is done, and the recompute after the rework inserts a
    fresh row, which is what tells review the item is finished again (``ItemsFinished``)."""
    ids = list(item_ids)
    for start in range(0, len(ids), 500):
        session.execute(
            delete(Consensus)
            .where(Consensus.item_id.in_(ids[start : start + 500]))
            .execution_options(synchronize_session=False)
        )


def estimated_accuracy(*, session: Session, project_id: int) -> dict[int, float]:
    """Each annotator's estimated accuracy as the last recompute left it: the smoothed gold
    accuracy, else the agreement with the consensus (annotators with neither are left out)."""
    rows = session.exec(
        select(AnnotatorStat.user_id, AnnotatorStat.gold_accuracy, AnnotatorStat.agreement).where(
            AnnotatorStat.project_id == project_id
        )
    ).all()
    found: dict[int, float] = {}
    for user_id, gold_accuracy, agreement in rows:
        value = gold_accuracy if gold_accuracy is not None else agreement
        if value is not None:
            found[int(user_id)] = float(value)
    return found
