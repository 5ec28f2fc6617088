"""What the organization endpoints accept and answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, EmailStr, Field

from backend.accounts.schemas import UserPublic
from backend.orgs.models import Role


class OrgCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120)


class OrgPublic(BaseModel):
    id: int
    name: str
    created_at: datetime
    role: Role


class MemberCreate(BaseModel):
    email: EmailStr
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


class MembershipOfMe(BaseModel):
    org_id: int
    org_name: str
    role: str


class MePublic(UserPublic):  # GET /me, answered by orgs, which owns memberships
    memberships: list[MembershipOfMe]
