"""Personal API tokens for scripts: 256 random bits, shown once, stored as SHA-256.

A fast hash is right here (unlike passwords): the secret has full entropy, so there is nothing to
brute-force, and every API call must look the token up by its hash.
"""

from __future__ import annotations

import hashlib
import secrets

PREFIX = "jb_"


def new_token() -> tuple[str, str, str]:
    """A fresh token as (secret shown to the user, hash to store, display prefix)."""
    secret = PREFIX + secrets.token_urlsafe(32)
    return secret, hash_token(secret), secret[:10]


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_api_token(value: str) -> bool:
    return value.startswith(PREFIX)
