"""Request dependencies at the bottom of the layering: the session and the signed-in user.

Every domain's routes import these typed aliases; nothing here imports a domain above accounts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from backend.accounts.models import User
from backend.accounts.service import user_for_bearer
from backend.db import ends_its_transaction, get_engine, get_session
from backend.operations.request_context import current_user_id
from backend.security import api_tokens, jwt_tokens

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)

SessionDep = Annotated[Session, Depends(get_session)]


@ends_its_transaction
def get_current_user(
    session: SessionDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> User:
    """The caller, from a bearer JWT or personal API token; 401 otherwise."""
    user = user_for_bearer(session=session, token=token) if token else None
    if user is None:
        raise _unauthorized()
    current_user_id.set(user.id)  # for the log lines of this request
    return user


def _unauthorized() -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail="not authenticated: send a valid bearer token",
        headers={"WWW-Authenticate": "Bearer"},
    )


CurrentUser = Annotated[User, Depends(get_current_user)]


@ends_its_transaction
def get_optional_user(
    session: SessionDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> User | None:
    """The caller where a bearer token is sent (401 for a bad one); None when none is sent:
    for routes that anyone may call, signed in or not (accepting an invitation)."""
    if token is None:
        return None
    user = user_for_bearer(session=session, token=token)
    if user is None:
        raise _unauthorized()
    return user


OptionalUser = Annotated[User | None, Depends(get_optional_user)]


@dataclass(frozen=True)
class Bearer:
    """The caller's credentials, checked as far as they can be without a database round trip.

    ``user_id`` and ``generation`` come from a valid, unexpired JWT (whether the user is still
    active, and whether ``generation`` is still the user's ``token_generation``, are left to the
    caller's first query: a password change raises it, and earlier tokens must stop working) or
    from a personal API token already looked up (active user, token neither revoked nor
    expired; ``generation`` is then the user's at that moment, so the same comparison holds).
    """

    token: str
    user_id: int
    generation: int = 0


async def get_bearer(token: Annotated[str | None, Depends(oauth2_scheme)]) -> Bearer:
    """401 for a missing or invalid token, as ``get_current_user`` answers, without its query.

    Runs on the event loop: a JWT is checked in memory; only an API token needs the database,
    in the thread pool. Hot endpoints (``next``, ``submit``) use this and check ``is_active``
    and the generation in their own first statement, falling back to ``resolve_user`` when that
    finds nothing.
    """
    if token:
        if api_tokens.looks_like_api_token(token):
            found = await run_in_threadpool(_api_token_user, token)
            if found is not None:
                return Bearer(token, *found)
        else:
            claims = _jwt_claims(token)
            if claims is not None:
                return Bearer(token, claims.user_id, claims.generation)
    raise _unauthorized()


# Access tokens already checked in this process: token -> its claims. A signed token's validity
# depends only on itself, the key and the time, so a hit needs only the expiry compared with the
# clock PyJWT uses (valid while now < exp). Bounded, oldest out first.
_checked_jwts: dict[str, jwt_tokens.AccessClaims] = {}
_CHECKED_JWTS_MAX = 4096


def _jwt_claims(token: str) -> jwt_tokens.AccessClaims | None:
    hit = _checked_jwts.get(token)
    if hit is not None:
        if time.time() < hit.expires:
            return hit
        _checked_jwts.pop(token, None)
    claims = jwt_tokens.access_claims(token)
    if claims is None:
        return None
    if len(_checked_jwts) >= _CHECKED_JWTS_MAX:
        _checked_jwts.pop(next(iter(_checked_jwts)))
    _checked_jwts[token] = claims
    return claims


def _api_token_user(token: str) -> tuple[int, int] | None:
    """The user id and current token generation behind a personal API token."""
    with Session(get_engine(), expire_on_commit=False) as session:
        user = user_for_bearer(session=session, token=token)
        return (user.id, user.token_generation) if user is not None else None


def resolve_user(*, session: Session, bearer: Bearer) -> User:
    """The active user behind the credentials, or 401 exactly as ``get_current_user``."""
    user = user_for_bearer(session=session, token=bearer.token)
    if user is None:
        raise _unauthorized()
    return user


BearerDep = Annotated[Bearer, Depends(get_bearer)]
