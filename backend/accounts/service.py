"""Accounts: sign-up, sign-in and personal API tokens, as plain functions over a session."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from backend import clock
from backend.accounts.models import ApiToken, User
from backend.errors import conflict, not_found
from backend.security import api_tokens, jwt_tokens
from backend.security.passwords import hash_password, needs_rehash, verify_password


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(*, session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalise_email(email))).first()


def create_user(*, session: Session, email: str, password: str, name: str) -> User:
    """Create a user; 409 when the email is taken. The caller commits."""
    email = normalise_email(email)
    if get_user_by_email(session=session, email=email) is not None:
        raise conflict("a user with this email already exists", code="email_taken")
    user = User(email=email, name=name, password_hash=hash_password(password))
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent sign-up with the same email
        session.rollback()
        raise conflict("a user with this email already exists", code="email_taken") from exc
    return user


def authenticate(*, session: Session, email: str, password: str) -> User | None:
    # an address with a NUL is nobody's (PostgreSQL would refuse the lookup: a 500); the
    # password is still checked against nothing, so the answer takes as long as for others
    user = None if "\x00" in email else get_user_by_email(session=session, email=email)
    if not verify_password(password, user.password_hash if user else None):
        return None
    assert user is not None
    if not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.add(user)
        session.commit()
    return user


def user_for_bearer(*, session: Session, token: str) -> User | None:
    """The active user behind a JWT access token or a personal API token."""
    if api_tokens.looks_like_api_token(token):
        row = session.exec(
            select(ApiToken).where(ApiToken.token_hash == api_tokens.hash_token(token))
        ).first()
        now = clock.now()
        if row is None or row.revoked_at is not None:
            return None
        if row.expires_at is not None and row.expires_at <= now:
            return None
        user = session.get(User, row.user_id)
    else:
        claims = jwt_tokens.access_claims(token)
        user = session.get(User, claims.user_id) if claims is not None else None
        if user is not None and user.token_generation != claims.generation:
            return None  # issued before the latest password change
    return user if user is not None and user.is_active else None


def access_token_for(user: User) -> str:
    """A sign-in token under the user's current generation."""
    return jwt_tokens.create_access_token(user.id, user.token_generation)


def create_api_token(
    *, session: Session, user: User, name: str, expires_in_days: int | None
) -> tuple[ApiToken, str]:
    secret, token_hash, prefix = api_tokens.new_token()
    expires_at = clock.now() + timedelta(days=expires_in_days) if expires_in_days else None
    row = ApiToken(
        user_id=user.id, name=name, token_hash=token_hash, prefix=prefix, expires_at=expires_at
    )
    session.add(row)
    session.commit()
    session.refresh(row)
    return row, secret


def list_api_tokens(*, session: Session, user: User) -> list[ApiToken]:
    query = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
    return list(session.exec(query))


def revoke_api_token(*, session: Session, user: User, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise not_found("token")
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        session.add(row)
        session.commit()
    return row
