"""Who may work on a project: the one rule, in Python and as SQL for the one-call functions.

A project is ``open`` (every annotator of its organization, the default) or ``listed`` (only the
people and the teams on its access lists). Owners and managers may always work on their
organization's projects; the lists name who annotates, so reviewers pass them on the review
stage (``StageRules.unlisted``); clients never lease items, whatever the lists say (their role
refuses them first).

The rule is written once, as a SQL condition (``work_condition_sql``), because it must hold in
three places that cannot share Python: this module (``may_work_on``, the annotator's project
list), the Python path of ``next`` and PostgreSQL's ``jinbiao_next``. Each embeds the same text
with its own aliases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import delete, text
from sqlmodel import Session, select

from backend import events
from backend.audit.service import record
from backend.errors import forbidden, not_found
from backend.orgs.models import MANAGERS, Membership, Role
from backend.orgs.teams import check_members, teams_of_org
from backend.projects.access_models import ProjectAccessTeam, ProjectAccessUser
from backend.projects.models import Project

OPEN = "open"
LISTED = "listed"
_SQL_NAME = re.compile(r"^(:\w+|[A-Za-z_]\w*(\.[A-Za-z_]\w*)?)$")
_ROLE_ORDER = tuple(role.value for role in Role)  # the order the SQL files write them in


def _check_names(*names: str) -> None:
    """The pieces spliced into the SQL are our own names, never input: refuse anything else."""
    for name in names:
        if not _SQL_NAME.match(name):
            raise ValueError(f"not an SQL name or parameter: {name!r}")


def listed_condition_sql(*, project: str = "p", user_id: str = ":user_id") -> str:
    """SQL that is true when the project is open or names the user (directly or by a team).

    ``project`` is the alias of the ``projects`` row, ``user_id`` an SQL expression for the
    user's id (a column such as ``s.user_id``, a bind parameter such as ``:user_id``, or a
    PL/pgSQL parameter such as ``p_user_id``).
    """
    _check_names(project, user_id)
    return f"""({project}.access_mode = 'open'
  OR EXISTS (SELECT 1 FROM project_access_users pau
             WHERE pau.project_id = {project}.id AND pau.user_id = {user_id})
  OR EXISTS (SELECT 1 FROM project_access_teams pat
             JOIN team_members ptm ON ptm.team_id = pat.team_id
             WHERE pat.project_id = {project}.id AND ptm.user_id = {user_id}))"""  # noqa: S608


LABELLING_STAFF = tuple(role.value for role in MANAGERS)
"""Roles the access lists never restrict on the labelling stage: those who run the project."""


def work_condition_sql(
    *,
    project: str = "p",
    role: str = "m.role",
    user_id: str = ":user_id",
    unlisted: Sequence[str] = LABELLING_STAFF,
) -> str:
    """SQL that is true when a member with ``role`` may work on the project as far as its
    access lists go: the ``unlisted`` roles always (a stage's ``StageRules.unlisted``: owners and
    managers, and reviewers on the review stage, since the lists name who annotates), anyone
    else as ``listed_condition_sql`` says. (Whether the role works on the stage at all is the
    caller's check, as before.)"""
    _check_names(role)
    if not unlisted or not all(name in _ROLE_ORDER for name in unlisted):
        raise ValueError(f"not role names: {unlisted!r}")
    names = ", ".join(f"'{name}'" for name in sorted(set(unlisted), key=_ROLE_ORDER.index))
    return f"({role} IN ({names}) OR {listed_condition_sql(project=project, user_id=user_id)})"


@lru_cache(maxsize=8)
def _may_work_on_statement(unlisted: tuple[str, ...]) -> Any:
    return text(f"""
SELECT 1 FROM projects p
JOIN memberships m ON m.org_id = p.org_id AND m.user_id = :user_id
WHERE p.id = :project_id AND {work_condition_sql(unlisted=unlisted)}
""")  # noqa: S608


def may_work_on(
    *,
    session: Session,
    project_id: int,
    user_id: int,
    unlisted: Sequence[str] = LABELLING_STAFF,
) -> bool:
    """Whether the user is a member of the project's organization whom its access lists let
    work on it (the stage's role itself is checked apart, by the role dependencies)."""
    statement = _may_work_on_statement(tuple(sorted(unlisted)))
    row = session.execute(statement, {"project_id": project_id, "user_id": user_id}).first()
    return row is not None


def ensure_on_project(
    *,
    session: Session,
    project_id: int,
    user_id: int,
    unlisted: Sequence[str] = LABELLING_STAFF,
) -> None:
    """403 ``not_on_project`` unless ``may_work_on``; for ``next`` after its role check."""
    if not may_work_on(session=session, project_id=project_id, user_id=user_id, unlisted=unlisted):
        raise forbidden(
            "this project is open only to the annotators and teams it names",
            code="not_on_project",
        )


def listed_for(user_id: int) -> object:
    """A WHERE clause for ``select(Project)``: the projects whose lists let ``user_id`` work."""
    return text(listed_condition_sql(project="projects", user_id=":access_user_id")).bindparams(
        access_user_id=user_id
    )


def get_access(*, session: Session, project: Project) -> tuple[str, list[int], list[int]]:
    """The project's mode and its lists (user ids, team ids), ascending."""
    users = session.exec(
        select(ProjectAccessUser.user_id)
        .where(ProjectAccessUser.project_id == project.id)
        .order_by(ProjectAccessUser.user_id)
    ).all()
    teams = session.exec(
        select(ProjectAccessTeam.team_id)
        .where(ProjectAccessTeam.project_id == project.id)
        .order_by(ProjectAccessTeam.team_id)
    ).all()
    return project.access_mode, list(users), list(teams)


def set_access(
    *,
    session: Session,
    project: Project,
    mode: str,
    user_ids: Iterable[int],
    team_ids: Iterable[int],
    actor: Membership,
) -> tuple[str, list[int], list[int]]:
    """Replace the project's mode and lists. Every id must be a member or a team of the
    project's organization: one that is not refuses the whole request (404), nothing changed.
    The lists are kept while the project is open, so switching back to listed restores them."""
    users = check_members(session=session, org_id=project.org_id, user_ids=user_ids)
    teams = teams_of_org(session=session, org_id=project.org_id, team_ids=team_ids)
    project.access_mode = mode
    session.add(project)
    session.execute(delete(ProjectAccessUser).where(ProjectAccessUser.project_id == project.id))
    session.execute(delete(ProjectAccessTeam).where(ProjectAccessTeam.project_id == project.id))
    session.add_all(ProjectAccessUser(project_id=project.id, user_id=u) for u in users)
    session.add_all(ProjectAccessTeam(project_id=project.id, team_id=t) for t in teams)
    record(
        session,
        org_id=project.org_id,
        actor_id=actor.user_id,
        action="project.access",
        target_type="project",
        target_id=project.id,
        data={"mode": mode, "user_ids": users, "team_ids": teams},
    )
    session.commit()
    return mode, users, teams


def projects_of_org(*, session: Session, org_id: int, project_ids: Iterable[int]) -> list[int]:
    """``project_ids`` without repeats, ascending, when each is a project of ``org_id``; 404
    for the whole request otherwise (another organization's projects are never confirmed)."""
    wanted = sorted(set(project_ids))
    if not wanted:
        return []
    found = set(
        session.exec(select(Project.id).where(Project.org_id == org_id, Project.id.in_(wanted)))
    )
    if len(found) != len(wanted):
        raise not_found("project")
    return wanted


def grant(*, session: Session, org_id: int, project_ids: Iterable[int], user_id: int) -> list[int]:
    """Put ``user_id`` on the access lists of those of ``project_ids`` that still are projects
    of ``org_id`` (an invitation's projects; one deleted since is passed over, one of another
    organization never granted). The caller commits. Returns the projects granted."""
    wanted = sorted(set(project_ids))
    if not wanted:
        return []
    projects = session.exec(
        select(Project.id).where(Project.org_id == org_id, Project.id.in_(wanted))
    ).all()
    held = set(
        session.exec(
            select(ProjectAccessUser.project_id).where(
                ProjectAccessUser.user_id == user_id, ProjectAccessUser.project_id.in_(projects)
            )
        )
    )
    session.add_all(
        ProjectAccessUser(project_id=p, user_id=user_id) for p in projects if p not in held
    )
    session.flush()
    return sorted(projects)


def drop_member(*, session: Session, org_id: int, user_id: int) -> None:
    """Take a person who left the organization off its projects' access lists."""
    org_projects = select(Project.id).where(Project.org_id == org_id)
    session.execute(
        delete(ProjectAccessUser).where(
            ProjectAccessUser.user_id == user_id, ProjectAccessUser.project_id.in_(org_projects)
        )
    )


def _on_member_removed(event: events.MemberRemoved) -> None:
    drop_member(session=event.session, org_id=event.org_id, user_id=event.user_id)


def subscribe_listeners() -> None:
    """A person who leaves an organization leaves its access lists (``backend.wiring.wire``)."""
    events.subscribe(events.MemberRemoved, _on_member_removed)
