"""Domain events: how a lower domain tells the ones above it that something happened.

Distribution sits below quality, review, lots, pay and models, so it never calls them by name; it
emits an event and whoever cares has subscribed. Subscriptions are made explicitly at process
start (``backend.wiring.wire``, called by the app factory, the Celery app and the CLI), never as
a side effect of importing a module: a process that forgot to wire would otherwise submit
annotations and silently ask for no recompute, so ``emit`` refuses to run unwired.

Two moments, as the events say:

* events that carry a ``session`` run inside the emitter's transaction, before its commit:
  whatever a listener writes commits or rolls back with the change itself. A listener that
  sends a job to the broker must send it after the commit
  (``backend.queue.enqueue_after_commit``), never before;
* events without a session are emitted after a commit (PostgreSQL's one-call submit commits
  inside the database function) and may only send jobs or touch caches.

Event types are frozen dataclasses; listeners receive the event object. A listener of an event
is called once per emit, in subscription order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlmodel import Session

E = TypeVar("E")
Listener = Callable[[Any], None]

_listeners: dict[type, list[Listener]] = {}
_wired = False


class NotWired(RuntimeError):
    """An event was emitted in a process that never called ``backend.wiring.wire``."""


@dataclass(frozen=True)
class AnnotationSubmitted:
    """A new annotation was stored (inside the submit's transaction)."""

    session: Session
    project_id: int
    item_id: int
    annotation_id: int
    annotator_id: int


@dataclass(frozen=True)
class RecomputeFlagged:
    """PostgreSQL's one-call submit stored an annotation and set the project's recompute flag
    itself (in its own, committed transaction); ``started_at`` is when the project's last
    recompute started."""

    project_id: int
    started_at: datetime | None


@dataclass(frozen=True)
class ItemsFinished:
    """Items reached the annotations they want and have a computed consensus (inside the
    recompute's transaction, ``backend.consensus.recompute``): the non-gold items whose consensus
    row that run inserted or changed. Emitted again when a later recompute changes their
    consensus: listeners are idempotent."""

    session: Session
    project_id: int
    item_ids: Sequence[int]


@dataclass(frozen=True)
class ItemsFinal:
    """Items' answers became final: accepted or fixed in review, or in an accepted lot."""

    session: Session
    project_id: int
    item_ids: Sequence[int]


@dataclass(frozen=True)
class FinalRowsCommitted:
    """PostgreSQL's one-call review verdict made items final and wrote ``ItemsFinal``'s rows
    itself (pay's work row, ``final_items``) in its own, committed transaction
    (``backend/assignments/sql/jinbiao_review_submit.sql``): listeners send what they would have
    sent after that commit (pay: its ledger job). Emitted only by the verdict that set pay's due
    flag (``backend/pay/due.py``), not by every verdict that made an item final."""

    project_id: int
    item_ids: Sequence[int]


@dataclass(frozen=True)
class AnnotationsStoppedCounting:
    """Annotations no longer count towards consensus (their annotator was paused, or review or
    acceptance rejected them). ``annotator_id`` is set when every annotation of that annotator in
    the project stopped counting (a pause); ``annotation_ids`` lists them otherwise."""

    session: Session
    project_id: int
    reason: str
    annotator_id: int | None = None
    annotation_ids: Sequence[int] = ()


@dataclass(frozen=True)
class FinalItemsLackAnswers:
    """Final items whose counted answers fell below the project's overlap (a paused annotator's
    answers stopped counting), inside the recompute's transaction; ``missing`` maps each to how
    many more answers it needs. The stages that settle items decide which may reopen
    (``backend/review/replacements.py``)."""

    session: Session
    project_id: int
    missing: Mapping[int, int]


@dataclass(frozen=True)
class ItemsSentBack:
    """A rejected lot's items go back for rework (验收 → 返工), inside the lot's transaction.

    The stage that owns rework (review: the annotations stop counting, the item reopens for its
    annotators or the pool) does it; ``notes`` maps each item id to the reasons and the comment
    its annotators see with the reworked item. ``origin`` says who sent them (``lot:<id>``)."""

    session: Session
    project_id: int
    item_ids: Sequence[int]
    notes: Mapping[int, tuple[tuple[str, ...], str]]
    origin: str


@dataclass(frozen=True)
class ItemsDeleted:
    """A manager deleted items (inside the deletion's transaction, before the rows go): their
    annotations go with them, so figures computed from those annotations are out of date."""

    session: Session
    project_id: int
    item_ids: Sequence[int]
    annotations: int


@dataclass(frozen=True)
class ProjectSettingsChanged:
    """A project was created or its settings changed (inside that transaction): ``fields``
    names the settings written, ``before`` their values before this change (empty for a new
    project). Pay records a rate change from this moment on; items follow a new ``overlap``."""

    session: Session
    project_id: int
    org_id: int
    fields: frozenset[str]
    actor_id: int | None = None
    before: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MemberRemoved:
    """A person left an organization (inside the removal's transaction): whatever they held in
    it ends (live leases, places on project access lists); their past annotations stay."""

    session: Session
    org_id: int
    user_id: int


@dataclass(frozen=True)
class LabelsChanged:
    """A project's label names changed and stored results were rewritten to match (inside the
    change's transaction, before its commit). ``backend/labels`` refuses the change while an
    unmapped label is in use (409 ``label_in_use``) and rewrites annotations, gold answers,
    prelabels and consensus rows; a domain that stores results of its own (a reviewer's fix, a
    model's predictions) rewrites them on this event with ``get_kind(kind).rename_label``."""

    session: Session
    project_id: int
    org_id: int
    actor_id: int | None
    kind: str
    # Old name → new name, or None: the occurrences are dropped (the request's ``label_map``).
    mapping: Mapping[str, str | None]
    # Labels the change removes without saying where their occurrences go: refused while in use.
    unmapped: Sequence[str]
    labels_revision: int
    # Rows rewritten per store, filled in by the listener that rewrites them (for the answer).
    rewritten: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class AnnotationCorrected:
    """An annotator replaced the result of their own annotation (inside the correction's
    transaction, ``backend/corrections``); the old result is in ``annotation_history``."""

    session: Session
    project_id: int
    item_id: int
    annotation_id: int
    annotator_id: int


def subscribe(event_type: type[E], listener: Callable[[E], None]) -> None:
    """Call ``listener(event)`` on every emit of ``event_type`` (once, however often asked)."""
    listeners = _listeners.setdefault(event_type, [])
    if listener not in listeners:
        listeners.append(listener)


def unsubscribe(event_type: type[E], listener: Callable[[E], None]) -> None:
    """Stop calling ``listener`` on ``event_type`` (a test's own listener, when it is done)."""
    listeners = _listeners.get(event_type, [])
    if listener in listeners:
        listeners.remove(listener)


def emit(event: object) -> None:
    """Run the listeners of ``event``'s type, in subscription order."""
    if not _wired:
        raise NotWired(
            f"{type(event).__name__} emitted before backend.wiring.wire() ran in this process"
        )
    for listener in list(_listeners.get(type(event), ())):
        listener(event)


def has_listeners(event_type: type) -> bool:
    """Whether an emit of ``event_type`` would reach anyone: an emitter whose event costs work
    to compute (a recompute's finished items) asks first. Refuses to answer unwired, as ``emit``
    refuses to run, so a process that forgot to wire is never silently skipped."""
    if not _wired:
        raise NotWired(
            f"{event_type.__name__} asked about before backend.wiring.wire() ran in this process"
        )
    return bool(_listeners.get(event_type))


def mark_wired() -> None:
    """Called by ``backend.wiring.wire`` once every domain has subscribed."""
    global _wired
    _wired = True


def listeners_of(event_type: type) -> tuple[Listener, ...]:
    """The listeners subscribed to ``event_type`` (for tests and diagnostics)."""
    return tuple(_listeners.get(event_type, ()))
