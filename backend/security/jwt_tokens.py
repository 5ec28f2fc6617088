"""Short-lived access tokens (JWT, HS256) issued by the OAuth2 password flow.

A token carries the user's ``token_generation`` at issue (claim ``gen``); a password change
raises the user's generation, so every token issued before it stops working wherever the
generation is compared (``backend.accounts.service.user_for_bearer``). A token without the claim
(issued before the claim existed) counts as generation 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import jwt

from backend import clock
from backend.settings import get_settings

ALGORITHM = "HS256"
AUDIENCE = "jinbiao-api"


@dataclass(frozen=True)
class AccessClaims:
    """What a valid, unexpired access token says: whose it is, under which generation, until."""

    user_id: int
    generation: int
    expires: float  # Unix time


def create_access_token(user_id: int, generation: int = 0) -> str:
    settings = get_settings()
    issued = clock.now()
    claims = {
        "sub": str(user_id),
        "aud": AUDIENCE,
        "gen": generation,
        "iat": issued,
        "exp": issued + timedelta(minutes=settings.access_token_minutes),
    }
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


def access_claims(token: str) -> AccessClaims | None:
    """The claims of a valid, unexpired token; None for anything else."""
    try:
        claims = jwt.decode(
            token,
            get_settings().secret_key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            options={"require": ["exp", "sub", "aud"]},
        )
        return AccessClaims(int(claims["sub"]), int(claims.get("gen", 0)), float(claims["exp"]))
    except (jwt.PyJWTError, ValueError, TypeError):
        return None


def user_id_from_access_token(token: str) -> int | None:
    """The user id in a valid, unexpired token; None for anything else."""
    claims = access_claims(token)
    return claims.user_id if claims is not None else None
