"""What a project's model learns from: its final answers, and the inputs of its items.

Final answers (issue 21): the consensus of finished items (the answers they want and a computed
consensus, never gold: ``backend.items.progress``), the known answers of gold items, and —
once review exists — reviewed answers. Consensus already leaves paused annotators' answers out
(``backend.consensus.recompute``, rule 5), and a row counted from no answer at all is skipped, so
a paused annotator's work never trains a model. Every query names the project's organization as
well as the project: a row that points across organizations is never read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image
from sqlmodel import Session, select

from backend.consensus.models import Consensus
from backend.items import storage
from backend.items.models import GoldAnswer, Item
from backend.projects.models import Project


@dataclass(frozen=True)
class FinalAnswers:
    item_ids: list[int]
    results: list[dict[str, Any]]


def final_answers(*, session: Session, project: Project) -> FinalAnswers:
    """The project's final answers by item, gold answers taking precedence, in item order."""
    own = (Item.project_id == project.id, Item.org_id == project.org_id)
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
        )
    ).all()
    gold = session.exec(
        select(GoldAnswer.item_id, GoldAnswer.answer)
        .join(Item, Item.id == GoldAnswer.item_id)
        .where(*own, GoldAnswer.project_id == project.id)
    ).all()
    by_item = dict(finished)
    by_item.update(dict(gold))
    ids = sorted(by_item)
    return FinalAnswers(item_ids=ids, results=[by_item[i] for i in ids])


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
