"""Sign-up, the OAuth2 password flow and personal API tokens (``GET /me``, which lists the
caller's memberships, is served by ``backend.orgs.me``: memberships are the orgs domain's)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from backend.accounts import passwords, service, throttle
from backend.accounts.deps import CurrentUser, SessionDep
from backend.accounts.schemas import (
    AccessToken,
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenPublic,
    PasswordChange,
    PublicConfig,
    UserCreate,
    UserPublic,
)
from backend.errors import forbidden
from backend.routing import TransactionEndingRoute
from backend.settings import get_settings

router = APIRouter(tags=["accounts"], route_class=TransactionEndingRoute)


@router.post("/auth/signup", status_code=status.HTTP_201_CREATED, response_model=UserPublic)
def signup(body: UserCreate, session: SessionDep) -> UserPublic:
    """Anyone, unless self sign-up is switched off (``JINBIAO_ALLOW_SIGNUP=false``)."""
    if not get_settings().allow_signup:
        raise forbidden("self sign-up is disabled; ask for an invitation", code="signup_disabled")
    user = service.create_user(
        session=session, email=str(body.email), password=body.password, name=body.name
    )
    session.commit()
    return UserPublic.model_validate(user)


@router.post("/auth/token", response_model=AccessToken)
def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep, request: Request
) -> AccessToken:
    """Anyone: exchange email (as ``username``) and password for a bearer token.

    Throttled per account and per client address (429 ``too_many_attempts`` with
    ``Retry-After``, the password not even checked while blocked): ``accounts/throttle.py``.
    """
    keys = throttle.keys_for(
        email=form.username, address=request.client.host if request.client else None
    )
    throttle.refuse_if_blocked(session=session, keys=keys)
    user = service.authenticate(session=session, email=form.username, password=form.password)
    if user is None:
        throttle.record_failure(session=session, keys=keys)
        session.commit()  # the count must outlive this 401
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="wrong email or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    throttle.clear_account(session=session, keys=keys)
    session.commit()
    return AccessToken(
        access_token=service.access_token_for(user),
        must_change_password=user.must_change_password,
    )


@router.get("/config", response_model=PublicConfig)
def public_config() -> PublicConfig:
    """Anyone: what the sign-in page shows (the sign-up link only where sign-up is allowed)."""
    return PublicConfig(allow_signup=get_settings().allow_signup)


@router.post("/me/password", response_model=AccessToken)
def change_password(body: PasswordChange, user: CurrentUser, session: SessionDep) -> AccessToken:
    """Any signed-in user, for themself. Every sign-in token issued before stops working; the
    answer is a fresh one, so this browser stays signed in."""
    passwords.change_password(
        session=session,
        user=user,
        current_password=body.current_password,
        new_password=body.new_password,
    )
    session.commit()
    return AccessToken(access_token=service.access_token_for(user))


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
