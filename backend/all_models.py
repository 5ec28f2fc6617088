"""Imports every table so ``SQLModel.metadata`` is complete (Alembic and the test fixtures)."""

from sqlmodel import SQLModel

from backend.accounts.models import ApiToken, User
from backend.assignments.models import Annotation, AnnotatorState, Assignment, ReviewTally
from backend.audit.models import AuditEvent
from backend.consensus.models import AnnotatorStat, Consensus, ProjectQuality
from backend.corrections.models import AnnotationHistory
from backend.exports.models import DatasetVersion
from backend.invites.models import Invite
from backend.items.final_models import FinalItem
from backend.items.models import GoldAnswer, ImportBatch, Item
from backend.items.reference_models import ItemReference
from backend.lots.models import AcceptanceSwitching, Lot, LotItem, LotSample
from backend.models.models import (
    AnnotationPrelabelUse,
    ModelVersion,
    PrelabelDrop,
    ProjectModelState,
)
from backend.orgs.models import Membership, Organization, Team, TeamMember
from backend.pay.models import (
    PayDayTotal,
    PayDue,
    PayEntry,
    PayItemFact,
    PayPeriod,
    PayProgress,
    PayRate,
    PayStopped,
    PayWork,
    WorkDay,
    WorkSession,
)
from backend.projects.access_models import ProjectAccessTeam, ProjectAccessUser
from backend.projects.models import Project
from backend.review.models import Review, ReviewItem, ReviewMark

metadata = SQLModel.metadata

__all__ = [
    "AcceptanceSwitching",
    "Annotation",
    "AnnotationHistory",
    "AnnotationPrelabelUse",
    "AnnotatorStat",
    "AnnotatorState",
    "ApiToken",
    "Assignment",
    "AuditEvent",
    "Consensus",
    "DatasetVersion",
    "FinalItem",
    "GoldAnswer",
    "ImportBatch",
    "Invite",
    "Item",
    "ItemReference",
    "Lot",
    "LotItem",
    "LotSample",
    "Membership",
    "ModelVersion",
    "Organization",
    "PayDayTotal",
    "PayDue",
    "PayEntry",
    "PayItemFact",
    "PayPeriod",
    "PayProgress",
    "PayRate",
    "PayStopped",
    "PayWork",
    "PrelabelDrop",
    "Project",
    "ProjectAccessTeam",
    "ProjectAccessUser",
    "ProjectModelState",
    "ProjectQuality",
    "Review",
    "ReviewItem",
    "ReviewMark",
    "ReviewTally",
    "Team",
    "TeamMember",
    "User",
    "WorkDay",
    "WorkSession",
    "metadata",
]
