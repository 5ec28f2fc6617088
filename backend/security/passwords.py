"""Password hashing with Argon2id (RFC 9106) through argon2-cffi's recommended parameters."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from backend.settings import get_settings

_hasher = PasswordHasher(
    time_cost=get_settings().password_hash_time_cost,
    memory_cost=get_settings().password_hash_memory_kib,
)
# Verified against when the email is unknown, so a login takes as long either way.
_DUMMY_HASH = _hasher.hash("jinbiao-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """True when the password matches; constant work when there is no hash to check."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
