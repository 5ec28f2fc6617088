"""Label changes that touch stored results: a rename, and a removal with or without a mapping.

Both go through ``events.LabelsChanged``, emitted by whoever changed the project's label names
inside their transaction (``rename`` here, ``PATCH /projects/{id}`` in ``backend/projects``):
``on_labels_changed`` refuses a removed label that is still in use and has no mapping (409
``label_in_use`` with ``count``), rewrites the label in annotations, gold answers, prelabels and
consensus rows (``rewrite``), and records the change in the audit log. The consensus domain
flags a recompute on the same event, so agreement and annotator figures follow the new names.

Concurrency: the project row is locked (``FOR UPDATE``) before the names change. Every submit
holds the same row ``FOR KEY SHARE`` before it validates (``jinbiao_submit`` since revision
0021_label_lock, and the Python paths in ``backend/assignments/fast_path.py`` and
``submitting.py``), so a submit in flight finishes before the rename reads the answers and is
rewritten by it, and a submit arriving during a rename waits and is validated against the new
names (``tests/api/test_label_rename_race.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from backend import clock, events
from backend.audit.service import record
from backend.errors import conflict, invalid
from backend.kinds import get_kind
from backend.labels.rewrite import STORES, CannotDrop, count_uses, rewrite_label
from backend.orgs.models import Membership
from backend.projects.models import Project
from backend.projects.service import label_names


@dataclass(frozen=True)
class Renamed:
    project: Project
    rewritten: dict[str, int]


def rename(*, session: Session, project_id: int, old: str, new: str, actor: Membership) -> Renamed:
    """Rename a label of the project everywhere it is stored, in one transaction.

    422 when ``old`` is not a label of the project or ``new`` is the same name; 409
    ``label_exists`` when ``new`` is another label already: merging two labels is a removal
    with a mapping (``PATCH /projects/{id}`` with ``label_map``), said so in the answer.
    """
    project = session.exec(
        select(Project)
        .where(Project.id == project_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    names = label_names(project)
    if old not in names:
        session.rollback()
        raise invalid(("from",), f"the project has no label {old!r}; its labels are {names}")
    if new == old:
        session.rollback()
        raise invalid(("to",), "the new name is the label's current name")
    if new in names:
        session.rollback()
        raise conflict(
            f"the project has a label {new!r} already; to merge {old!r} into it, send "
            f"PATCH /projects/{project_id} with the labels without {old!r} and "
            f'"label_map": {{"{old}": "{new}"}}',
            code="label_exists",
            label=new,
        )
    project.labels = [
        {**label, "name": new} if label["name"] == old else label for label in project.labels
    ]
    project.labels_revision += 1
    project.updated_at = clock.now()
    session.add(project)
    changed = events.LabelsChanged(
        session=session,
        project_id=project.id,
        org_id=project.org_id,
        actor_id=actor.user_id,
        kind=project.kind,
        mapping={old: new},
        unmapped=(),
        labels_revision=project.labels_revision,
    )
    events.emit(changed)
    session.commit()
    session.refresh(project)
    return Renamed(project=project, rewritten=dict(changed.rewritten))


def on_labels_changed(event: events.LabelsChanged) -> None:
    """Refuse a removal of a label in use without a mapping; else rewrite and audit."""
    session, kind = event.session, get_kind(event.kind)
    _refuse_removal_in_use(session=session, event=event)
    totals = dict.fromkeys((store.name for store in STORES), 0)
    for old, new in event.mapping.items():
        try:
            counts = rewrite_label(
                session, project_id=event.project_id, kind=kind, old=old, new=new
            )
        except CannotDrop as exc:
            session.rollback()
            raise invalid(("label_map", old), str(exc)) from None
        for name, n in counts.items():
            totals[name] += n
    event.rewritten.update(totals)
    record(
        session,
        org_id=event.org_id,
        actor_id=event.actor_id,
        action="labels.change",
        target_type="project",
        target_id=event.project_id,
        data={
            "mapping": dict(event.mapping),
            "removed_unused": list(event.unmapped),
            "labels_revision": event.labels_revision,
            "rewritten": totals,
        },
    )


# Where a removed label without a mapping is looked for: a gold answer or a prelabel that holds
# it would stop validating, so those refuse the removal as annotations do.
_USES = ("annotations", "gold", "prelabels")


def _refuse_removal_in_use(*, session: Session, event: events.LabelsChanged) -> None:
    """409 ``label_in_use``: ``count`` annotations (``labels``: per label) and ``gold`` and
    ``prelabels`` use the labels the change removes without a mapping."""
    kind = get_kind(event.kind)
    stores = [store for store in STORES if store.name in _USES]
    uses = {
        label: {
            store.name: count_uses(
                session, store, project_id=event.project_id, kind=kind, label=label
            )
            for store in stores
        }
        for label in event.unmapped
    }
    in_use = {label: n for label, n in uses.items() if any(n.values())}
    if not in_use:
        return
    totals = {name: sum(n[name] for n in in_use.values()) for name in _USES}
    session.rollback()
    raise conflict(
        f"{totals['annotations']} annotations, {totals['gold']} gold answers and "
        f"{totals['prelabels']} prelabels use the label(s) you remove "
        f"({', '.join(in_use)}); rename the label instead, or say where they go with label_map",
        code="label_in_use",
        count=totals["annotations"],
        gold=totals["gold"],
        prelabels=totals["prelabels"],
        labels={label: n["annotations"] for label, n in in_use.items()},
    )


def subscribe_listeners() -> None:
    """Called by ``backend.wiring.wire``."""
    events.subscribe(events.LabelsChanged, on_labels_changed)
