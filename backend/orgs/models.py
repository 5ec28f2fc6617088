"""Organizations and the roles people hold in them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.db import UTCDateTime, utcnow


class Role(StrEnum):
    owner = "owner"
    manager = "manager"
    reviewer = "reviewer"
    annotator = "annotator"
    client = "client"  # 验收方: the firm's customer; reads progress, never names or e-mails


MANAGERS = frozenset({Role.owner, Role.manager})
STAFF = frozenset({Role.owner, Role.manager, Role.reviewer})
EVERYONE = frozenset(Role)


class Organization(SQLModel, table=True):
    __tablename__ = "organizations"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    # ISO 4217 code its people are paid in (revision 0016_pay).
    currency: str = Field(default="CNY", max_length=3, sa_column_kwargs={"server_default": "CNY"})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Membership(SQLModel, table=True):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("org_id", "user_id", name="uq_membership_org_user"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    role: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Team(SQLModel, table=True):
    """A named group of an organization's members, named as a whole on project access lists."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_team_org_name"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class TeamMember(SQLModel, table=True):
    __tablename__ = "team_members"

    team_id: int = Field(foreign_key="teams.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", primary_key=True, index=True, ondelete="CASCADE")
