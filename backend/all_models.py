"""Imports every table so ``SQLModel.metadata`` is complete (Alembic and the test fixtures)."""

from sqlmodel import SQLModel

from backend.accounts.models import ApiToken, User
from backend.assignments.models import Annotation, AnnotatorState, Assignment
from backend.audit.models import AuditEvent
from backend.consensus.models import AnnotatorStat, Consensus, ProjectQuality
from backend.exports.models import DatasetVersion
from backend.invites.models import Invite
from backend.items.models import GoldAnswer, Item
from backend.items.reference_models import ItemReference
from backend.orgs.models import Membership, Organization, Team, TeamMember
from backend.projects.access_models import ProjectAccessTeam, ProjectAccessUser
from backend.projects.models import Project

metadata = SQLModel.metadata

__all__ = [
    "Annotation",
    "AnnotatorStat",
    "AnnotatorState",
    "ApiToken",
    "Assignment",
    "AuditEvent",
    "Consensus",
    "DatasetVersion",
    "GoldAnswer",
    "Invite",
    "Item",
    "ItemReference",
    "Membership",
    "Organization",
    "Project",
    "ProjectAccessTeam",
    "ProjectAccessUser",
    "ProjectQuality",
    "Team",
    "TeamMember",
    "User",
    "metadata",
]
