"""An invitation to join an organization with a role (and onto some of its projects)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from backend.db import JSONType, UTCDateTime, utcnow


class Invite(SQLModel, table=True):
    """Single use: ``used_at`` is set by the one acceptance that counts. Only the SHA-256 of
    the token is stored (the token has 256 random bits, so a fast hash is enough, as for
    personal API tokens); the link is shown once, to whoever made the invitation."""

    __tablename__ = "invites"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organizations.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    role: str = Field(max_length=16)
    # Set: only the person with this address may accept (it is never checked against users).
    email: str | None = Field(default=None, max_length=254, index=True)
    project_ids: list[int] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    used_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
