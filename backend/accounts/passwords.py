"""Password changes: by the person themself, or a temporary one set by an owner.

Either way every sign-in token issued before stops working: the user's ``token_generation`` is
raised, and tokens carry the generation they were issued under (``backend.security.jwt_tokens``).
Personal API tokens are not touched: they are listed and revoked on their own
(``DELETE /me/tokens/{id}``).
"""

from __future__ import annotations

import secrets

from sqlmodel import Session

from backend.accounts.models import User
from backend.errors import invalid
from backend.security.passwords import hash_password, verify_password

# 12 characters from an alphabet without look-alikes (0/O, 1/l/I): read out or copied by hand.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TEMPORARY_LENGTH = 12


def change_password(
    *, session: Session, user: User, current_password: str, new_password: str
) -> User:
    """Set a new password after checking the current one; the caller commits."""
    if not verify_password(current_password, user.password_hash):
        raise invalid(
            ("current_password",), "the current password is not right", code="wrong_password"
        )
    if new_password == current_password:
        raise invalid(
            ("new_password",),
            "the new password must differ from the current one",
            code="same_password",
        )
    _set(session=session, user=user, password=new_password, must_change=False)
    return user


def set_temporary_password(*, session: Session, user: User, password: str | None) -> str:
    """Give ``user`` a temporary password (a random one unless given) that they must change at
    their next sign-in; the caller commits. Returns the password, to be handed over in person."""
    password = password or "".join(secrets.choice(_ALPHABET) for _ in range(TEMPORARY_LENGTH))
    _set(session=session, user=user, password=password, must_change=True)
    return password


def _set(*, session: Session, user: User, password: str, must_change: bool) -> None:
    user.password_hash = hash_password(password)
    user.token_generation += 1
    user.must_change_password = must_change
    session.add(user)
    session.flush()
