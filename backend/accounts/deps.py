"""Request dependencies at the bottom of the layering: the session and the signed-in user.

Every domain's routes import these typed aliases; nothing here imports a domain above accounts.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session

from backend.accounts.models import User
from backend.accounts.service import user_for_bearer
from backend.db import get_session

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)

SessionDep = Annotated[Session, Depends(get_session)]


def get_current_user(
    session: SessionDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> User:
    """The caller, from a bearer JWT or personal API token; 401 otherwise."""
    user = user_for_bearer(session=session, token=token) if token else None
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="not authenticated: send a valid bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
