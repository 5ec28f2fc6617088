"""People: users and the personal API tokens they create for scripts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from backend.db import UTCDateTime, utcnow


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_column=Column(String(254), unique=True, nullable=False, index=True))
    name: str = Field(max_length=120)
    password_hash: str = Field(max_length=255)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # Raised by every password change: a sign-in token carries the value it was issued under
    # (claim ``gen``) and stops working once they differ (``accounts.service.user_for_bearer``).
    token_generation: int = Field(default=0, nullable=False)
    # Set by an owner's temporary password: the UI sends the person to change it first.
    must_change_password: bool = Field(default=False, nullable=False)


class ApiToken(SQLModel, table=True):
    """A personal access token; only its SHA-256 is stored, the secret is shown once."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=100)
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    prefix: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SignInThrottle(SQLModel, table=True):
    """Failed sign-ins counted per account and per network address (``accounts/throttle.py``).

    ``key`` is ``account:<SHA-256 of the lower-cased e-mail>`` (counted whether or not the
    address has an account, so a 429 reveals nothing), ``pair:<SHA-256 of that and the client
    IP>`` (the account from one address) or ``address:<client IP>``.
    """

    __tablename__ = "sign_in_throttle"

    key: str = Field(sa_column=Column(String(80), primary_key=True))
    failures: int = Field(default=0, nullable=False)
    window_started_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    blocked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
