"""Short-lived access tokens (JWT, HS256) issued by the OAuth2 password flow."""

from __future__ import annotations

from datetime import timedelta

import jwt

from backend import clock
from backend.settings import get_settings

ALGORITHM = "HS256"
AUDIENCE = "jinbiao-api"


def create_access_token(user_id: int) -> str:
    settings = get_settings()
    issued = clock.now()
    claims = {
        "sub": str(user_id),
        "aud": AUDIENCE,
        "iat": issued,
        "exp": issued + timedelta(minutes=settings.access_token_minutes),
    }
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


def user_id_from_access_token(token: str) -> int | None:
    """The user id in a valid, unexpired token; None for anything else."""
    try:
        claims = jwt.decode(
            token,
            get_settings().secret_key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={"require": ["exp", "sub", "aud"]},
        )
        return int(claims["sub"])
    except (jwt.PyJWTError, ValueError):
        return None
