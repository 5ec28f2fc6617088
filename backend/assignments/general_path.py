"""The general path of ``next`` and ``submit``: every answer, as the shared dependencies give it.

The last path of ``dispatch``: whatever the faster paths hand back comes here, in the same
thread-pool slot and session. The caller is resolved from the bearer credentials (401), the
project or assignment checked for access (404 for anything of another organization, 403 for a
role that may not), then the same services run: ``leasing.next_assignment`` (which also creates
a missing state row) and ``submitting.submit_annotation`` (a repeat's 200, a skip's 409).
"""

from __future__ import annotations

from sqlmodel import Session

from backend.accounts.deps import Bearer, resolve_user
from backend.assignments import leasing
from backend.assignments.models import AnnotatorState
from backend.assignments.outcomes import Leased, NothingLeft, Paused, Repeat, Stored
from backend.assignments.stages import StageRules
from backend.assignments.submitting import Answer, submit_annotation
from backend.projects.access import ensure_on_project
from backend.projects.deps import load_project_access


def next_lease(
    *, session: Session, rules: StageRules, project_id: int, bearer: Bearer
) -> Leased | NothingLeft | Paused:
    """``next`` for any caller; raises the access errors of ``ProjectAnnotator``."""
    user = resolve_user(session=session, bearer=bearer)
    access = load_project_access(
        session=session, project_id=project_id, user_id=user.id, allowed=rules.roles
    )
    ensure_on_project(
        session=session, project_id=project_id, user_id=user.id, unlisted=rules.unlisted_names
    )
    return leasing.next_assignment(
        session=session, rules=rules, project=access.project, annotator_id=access.user_id
    )


def submit(
    *, session: Session, rules: StageRules, assignment_id: int, bearer: Bearer, answer: Answer
) -> Stored | Repeat:
    """``submit`` for any caller; raises 401, 403, 404, 409 and 422."""
    user = resolve_user(session=session, bearer=bearer)
    return submit_annotation(
        session=session, rules=rules, assignment_id=assignment_id, user_id=user.id, answer=answer
    )


def stored_pause_reason(*, session: Session, project_id: int, user_id: int) -> str | None:
    """The reason stored with the caller's pause, as ``my-stats`` shows it."""
    state = session.get(AnnotatorState, (project_id, user_id))
    return state.paused_reason if state is not None else None
