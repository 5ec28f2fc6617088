"""Final items that lost counted answers to a pause: reopened when nothing but their answers
settled them.

A paused annotator's answers stop counting (SPEC, rule 5). The recompute asks replacements for the
items that are not final itself (``consensus.recompute``); for the final ones it emits
``FinalItemsLackAnswers``. An item is final without anyone having judged it when review leaves
it alone (review off, ``final_when = finished``: final as it finishes, ``finality``): its answer
was settled by the answers alone, and some of those no longer count, so it reopens and wants as
many more answers as it lacks; when they come in it finishes, and becomes final, again. Without
this, in the default settings a pause changed nothing but the consensus: the items stayed final
with fewer counted answers than the overlap, were listed delivered and incomplete at once, and
were left out of exports by default. An item a reviewer or an inspector judged (a ``Review``
row of either stage), or that a lot holds (open or accepted), keeps its settled answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlmodel import Session

from backend import events
from backend.items.finals import reopen
from backend.items.progress import want_more
from backend.review.models import Review

InLots = Callable[[Session, Sequence[int]], set[int]]
_IN_LOTS: list[InLots] = []


def register_lot_membership(hook: InLots) -> None:
    """Lots tell which items they hold (``wiring``: review and lots do not import each other)."""
    if hook not in _IN_LOTS:
        _IN_LOTS.append(hook)


def on_final_items_lack_answers(event: events.FinalItemsLackAnswers) -> None:
    session, missing = event.session, event.missing
    ids = sorted(missing)
    judged: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        judged.update(
            session.execute(select(Review.item_id).where(Review.item_id.in_(chunk))).scalars()
        )
    held = set().union(*(hook(session, ids) for hook in _IN_LOTS))
    free = [item for item in ids if item not in judged and item not in held]
    if not free:
        return
    reopen(session=session, item_ids=free)
    want_more(session=session, missing={item: missing[item] for item in free})
