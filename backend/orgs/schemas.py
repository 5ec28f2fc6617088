"""What the organization endpoints accept and answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.accounts.schemas import UserPublic
from backend.bounded_ids import DbId
from backend.email_addresses import Email
from backend.orgs.models import Role


class OrgCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120)


class OrgPublic(BaseModel):
    id: int
    name: str
    created_at: datetime
    role: Role


class MemberCreate(BaseModel):
    email: Email
    role: Role


class MemberUpdate(BaseModel):
    role: Role


class MemberPublic(BaseModel):
    id: int
    org_id: int
    user_id: int
    email: str
    name: str
    role: Role
    created_at: datetime
    must_change_password: bool = False


class MembershipOfMe(BaseModel):
    org_id: int
    org_name: str
    role: str


class MePublic(UserPublic):  # GET /me, answered by orgs, which owns memberships
    must_change_password: bool = Field(
        default=False, description="a temporary password: the UI asks for a new one first"
    )
    memberships: list[MembershipOfMe]


class TeamCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    member_ids: list[DbId] = Field(default_factory=list, max_length=10_000)

    @field_validator("name")
    @classmethod
    def _strip_name(cls, value: str) -> str:
        return _not_blank(value)


class TeamUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=120)
    member_ids: list[DbId] | None = Field(default=None, max_length=10_000)

    @field_validator("name")
    @classmethod
    def _strip_name(cls, value: str | None) -> str | None:
        return None if value is None else _not_blank(value)


class TeamPublic(BaseModel):
    id: int
    org_id: int
    name: str
    member_ids: list[int] = Field(description="user ids, ascending")
    created_at: datetime


class TemporaryPasswordBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str | None = Field(
        default=None, min_length=8, max_length=256, description="left out: a random one"
    )


class TemporaryPassword(BaseModel):
    user_id: int
    temporary_password: str = Field(description="shown once; the member must change it")


def _not_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value
