"""What the models domain listens to (subscribed by ``backend.wiring.wire``).

* ``ItemsFinal`` (inside the transaction of whatever settled them: review's entry for items no
  stage holds, a review verdict, an accepted lot): count the new final answers; when a project
  that uses its model (pre-labels, or an ordering by the model) has ``train_every`` of them
  since the last training, queue a training (sent to the workers after the commit). Counted on
  ``ItemsFinished`` before, which also counted items that went on into review and were not
  final (nor in the training data: ``training_data.final_answers`` leaves them out). Only
  projects that use their model count (a verdict of any other project writes nothing here);
* ``AnnotationSubmitted`` (inside the submit's transaction): record the annotation's pre-label
  use (``prelabel_use``);
* ``RecomputeFlagged`` (after PostgreSQL's one-call submit committed, which emits no
  ``AnnotationSubmitted``): send the job that records pre-label use past the watermark.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from backend import clock, events
from backend.models import prelabel_use
from backend.models.models import ProjectModelState
from backend.models.ordering import ranks_by_model
from backend.models.training import has_builtin_model
from backend.models.versions import request_training
from backend.projects.models import Project
from backend.queue import enqueue

log = logging.getLogger(__name__)
RECORD_USE_JOB = "jinbiao.models.record_prelabel_use"


def uses_model(project: Any) -> bool:
    """Whether the project asks anything of its built-in model (``project``: a ``Project`` or
    anything with its ``kind``, ``prelabels`` and ``ordering``)."""
    return has_builtin_model(project.kind) and (
        project.prelabels or ranks_by_model(project.ordering)
    )


def count_final_answers(*, session: Session, project_id: int, finished: int) -> bool:
    """Add ``finished`` new final answers; queue a training when the project's threshold is
    reached. Returns whether a training was asked for."""
    settings = session.execute(
        select(Project.kind, Project.prelabels, Project.ordering, Project.train_every).where(
            Project.id == project_id
        )
    ).first()
    if settings is None or settings.train_every <= 0 or not uses_model(settings):
        # Nothing to count for: no write, so that a review verdict (which emits ItemsFinal in
        # its transaction) takes no lock on the project's one model-state row; and four
        # columns read, not the project's row loaded, on every verdict.
        return False
    project = session.get_one(Project, project_id)
    prelabel_use.ensure_state(session=session, project_id=project_id)
    session.execute(
        update(ProjectModelState)
        .where(ProjectModelState.project_id == project_id)
        .values(new_final=ProjectModelState.new_final + finished, updated_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    state = session.get_one(ProjectModelState, project_id)
    session.refresh(state)
    if state.new_final < project.train_every:
        return False
    request_training(session=session, project=project, trigger="answers")
    return True


def _on_final(event: events.ItemsFinal) -> None:
    count_final_answers(
        session=event.session, project_id=event.project_id, finished=len(set(event.item_ids))
    )


def _on_submitted(event: events.AnnotationSubmitted) -> None:
    prelabel_use.on_submitted(event)


def _on_flagged(event: events.RecomputeFlagged) -> None:
    try:
        enqueue(RECORD_USE_JOB, event.project_id, countdown=5.0)
    except Exception:  # the sweep on beat records them later
        log.exception("could not send %s(%r)", RECORD_USE_JOB, event.project_id)


def subscribe_listeners() -> None:
    events.subscribe(events.ItemsFinal, _on_final)
    events.subscribe(events.AnnotationSubmitted, _on_submitted)
    events.subscribe(events.RecomputeFlagged, _on_flagged)
