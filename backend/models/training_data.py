"""What a project's model learns from: its final answers, and the inputs of its items.

Final answers (issue 21), in the sense of the item state table (``backend.items.states``):

* the consensus of finished items (the answers they want and a computed consensus, never gold:
  ``backend.items.progress``) that no later stage holds back;
* the answers later stages settled, read from the registry every recompute reads
  (``consensus.final_answers``): a reviewer's accepted consensus, a reviewer's or an inspector's
  fix — a fix replaces the consensus;
* the known answers of gold items, which take precedence over everything.

Items a later stage holds back are left out whatever their consensus says: an item waiting in
review may still be fixed or rejected, and a rejected one (``rework``) has answers that no longer
count until it is reworked — and reviewed again when review takes it again. Review registers that
condition at process start (``register_not_final``, ``backend.wiring``), so this module never
imports review. Consensus already leaves paused annotators' answers out
(``backend.consensus.recompute``, rule 5), and a row counted from no answer at all is skipped, so
a paused annotator's work never trains a model. Every query names the project's organization as
well as the project: a row that points across organizations is never read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image
from sqlalchemy import not_
from sqlmodel import Session, select

from backend.consensus import final_answers as settled
from backend.consensus.models import Consensus
from backend.items import storage
from backend.items.models import GoldAnswer, Item
from backend.projects.models import Project

_not_final: list[Callable[[], Any]] = []


def register_not_final(condition: Callable[[], Any]) -> None:
    """``condition()`` → an SQL condition on ``Item`` true for items a later stage holds back
    (in review, in rework); once, however often it is called."""
    if condition not in _not_final:
        _not_final.append(condition)


@dataclass(frozen=True)
class FinalAnswers:
    item_ids: list[int]
    results: list[dict[str, Any]]


def final_answers(*, session: Session, project: Project) -> FinalAnswers:
    """The project's final answers by item (gold, then settled, then consensus), in item order."""
    own = (Item.project_id == project.id, Item.org_id == project.org_id)
    held = [not_(condition()) for condition in _not_final]
    finished = session.exec(
        select(Consensus.item_id, Consensus.result)
        .join(Item, Item.id == Consensus.item_id)
        .where(
            *own,
            Consensus.project_id == project.id,
            Consensus.n_annotations > 0,
            Item.is_gold.is_(False),
            Item.wanted > 0,
            Item.annotation_count >= Item.wanted,
            *held,
        )
    ).all()
    by_item = dict(finished)
    by_item.update(_settled(session=session, project=project, held=held))
    gold = session.exec(
        select(GoldAnswer.item_id, GoldAnswer.answer)
        .join(Item, Item.id == GoldAnswer.item_id)
        .where(*own, GoldAnswer.project_id == project.id)
    ).all()
    by_item.update(dict(gold))
    ids = sorted(by_item)
    return FinalAnswers(item_ids=ids, results=[by_item[i] for i in ids])


def _settled(*, session: Session, project: Project, held: list[Any]) -> dict[int, dict[str, Any]]:
    """The settled answers of the project's own items that no stage holds back now (a lot's fix
    on an item since sent back for rework waits for its new answers)."""
    found = settled.final_answers(session=session, project_id=project.id)
    if not found:
        return {}
    ids = list(found)
    kept: set[int] = set()
    for start in range(0, len(ids), 500):
        kept.update(
            session.exec(
                select(Item.id).where(
                    Item.project_id == project.id,
                    Item.org_id == project.org_id,
                    Item.id.in_(ids[start : start + 500]),
                    *held,
                )
            ).all()
        )
    return {item_id: dict(found[item_id]) for item_id in sorted(kept)}


def load_inputs(*, session: Session, project: Project, item_ids: Sequence[int]) -> list[Any]:
    """The texts, or the decoded RGB images, of ``item_ids`` (of this project and organization
    only), in the order given. An image file that is gone raises FileNotFoundError."""
    rows = {
        row.id: row
        for row in session.exec(
            select(Item.id, Item.text, Item.media_key).where(
                Item.project_id == project.id,
                Item.org_id == project.org_id,
                Item.id.in_(list(item_ids)),
            )
        ).all()
    }
    missing = [i for i in item_ids if i not in rows]
    if missing:
        raise LookupError(f"items {missing[:5]} are not in project {project.id}")
    return [read_input(rows[i].text, rows[i].media_key) for i in item_ids]


def read_input(text: str | None, media_key: str | None) -> Any:
    """An item's text, or its image decoded to RGB (OSError when the file cannot be read)."""
    if media_key is None:
        return text or ""
    with Image.open(storage.path_of(media_key)) as picture:
        return picture.convert("RGB")
