"""What the invitation endpoints accept and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.accounts.schemas import Password
from backend.bounded_ids import DbId
from backend.email_addresses import Email
from backend.orgs.models import Role
from backend.orgs.schemas import MemberPublic

MAX_HOURS = 24 * 90


class InviteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    email: Email | None = Field(default=None, description="set: only this address may accept")
    expires_hours: int = Field(default=168, ge=1, le=MAX_HOURS)
    project_ids: list[DbId] = Field(
        default_factory=list,
        max_length=1_000,
        description="projects of the organization whose access lists the person joins",
    )


class InviteCreated(BaseModel):
    id: int
    org_id: int
    token: str = Field(description="shown only in this answer; the link carries it")
    url: str = Field(description="the browser UI's page for this invitation")
    role: Role
    email: str | None
    project_ids: list[int]
    expires_at: datetime
    status: Literal["invited"] = "invited"


class InvitePreview(BaseModel):
    org_name: str
    role: Role
    expires_at: datetime
    email: str | None = Field(description="the address the invitation is for, if any")


InviteStatus = Literal["pending", "used", "expired", "revoked"]


class InvitePublic(BaseModel):
    id: int
    org_id: int
    role: Role
    email: str | None
    project_ids: list[int]
    created_by: int | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    used_by: int | None
    revoked_at: datetime | None
    status: InviteStatus


class AcceptBody(BaseModel):
    """Signed in: ``{}``. Not signed in: ``email``, ``password`` and ``name`` make the account."""

    model_config = ConfigDict(extra="forbid")

    email: Email | None = None
    password: Password | None = None
    name: str | None = Field(default=None, min_length=1, max_length=120)


class Accepted(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - OAuth2 token type, not a secret
    membership: MemberPublic


class MyInvite(BaseModel):
    """An invitation made out to the caller's own address, waiting for their answer."""

    id: int
    org_id: int
    org_name: str
    role: Role
    expires_at: datetime
