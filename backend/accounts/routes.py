"""Sign-up, the OAuth2 password flow and personal API tokens (``GET /me``, which lists the
caller's memberships, is served by ``backend.orgs.me``: memberships are the orgs domain's)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from backend.accounts import service
from backend.accounts.deps import CurrentUser, SessionDep
from backend.accounts.schemas import (
    AccessToken,
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenPublic,
    UserCreate,
    UserPublic,
)
from backend.routing import TransactionEndingRoute
from backend.security.jwt_tokens import create_access_token
from backend.settings import get_settings

router = APIRouter(tags=["accounts"], route_class=TransactionEndingRoute)


@router.post("/auth/signup", status_code=status.HTTP_201_CREATED, response_model=UserPublic)
def signup(body: UserCreate, session: SessionDep) -> UserPublic:
    """Anyone, unless self sign-up is switched off (``JINBIAO_ALLOW_SIGNUP=false``)."""
    if not get_settings().allow_signup:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="self sign-up is disabled")
    user = service.create_user(
        session=session, email=str(body.email), password=body.password, name=body.name
    )
    session.commit()
    return UserPublic.model_validate(user)


@router.post("/auth/token", response_model=AccessToken)
def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep
) -> AccessToken:
    """Anyone: exchange email (as ``username``) and password for a bearer token."""
    user = service.authenticate(session=session, email=form.username, password=form.password)
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="wrong email or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return AccessToken(access_token=create_access_token(user.id))


@router.post("/me/tokens", status_code=status.HTTP_201_CREATED, response_model=ApiTokenCreated)
def create_token(body: ApiTokenCreate, user: CurrentUser, session: SessionDep) -> ApiTokenCreated:
    """Any signed-in user: a personal API token for scripts; the secret is shown once."""
    row, secret = service.create_api_token(
        session=session, user=user, name=body.name, expires_in_days=body.expires_in_days
    )
    return ApiTokenCreated(**ApiTokenPublic.model_validate(row).model_dump(), token=secret)


@router.get("/me/tokens", response_model=list[ApiTokenPublic])
def list_tokens(user: CurrentUser, session: SessionDep) -> list[ApiTokenPublic]:
    """Any signed-in user: their own tokens, without secrets."""
    return [
        ApiTokenPublic.model_validate(t)
        for t in service.list_api_tokens(session=session, user=user)
    ]


@router.delete("/me/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: int, user: CurrentUser, session: SessionDep) -> Response:
    """Any signed-in user, for their own tokens; revocation takes effect at once."""
    service.revoke_api_token(session=session, user=user, token_id=token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
