"""Sign-in throttling: too many failed passwords for one account or from one address → 429.

A fixed window per key (OWASP Authentication Cheat Sheet, "Account lockout" / "Login throttling",
https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html): the failures of
the current window are counted; at the limit the key is blocked until the window's length has
passed since that failure, and every attempt meanwhile is answered 429 ``too_many_attempts``
with ``Retry-After`` *without* checking the password, so a guesser learns nothing more. Three keys
are counted: the account from one address (a guesser at one machine: blocked after a few), the
account from anywhere (a slow guesser spreading over many addresses: a higher limit), and the
address (one guesser trying many accounts). Blocking the account itself after a few failures
from anywhere let anyone lock anyone out — five wrong passwords sent by a stranger kept the
owner from signing in for the window (OWASP names the denial of service an account lockout
invites); now a stranger's failures block the stranger's address for that account, and lock
the account everywhere only at the higher limit, which takes many addresses. A successful
sign-in clears the account's counts, not the address's.

The counts live in the database, not in a process: with several API processes behind one port a
guesser would otherwise get the limit once per process.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from backend import clock
from backend.accounts.models import SignInThrottle
from backend.errors import ApiError
from backend.settings import get_settings


@dataclass(frozen=True)
class ThrottleKey:
    key: str
    limit: int


def keys_for(*, email: str, address: str | None) -> list[ThrottleKey]:
    settings = get_settings()
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    if not address:
        return [ThrottleKey(f"account:{digest}", settings.sign_in_failures_per_account)]
    where = address[:64]
    pair = hashlib.sha256(f"{digest}|{where}".encode()).hexdigest()  # the key column holds 80
    return [
        ThrottleKey(f"pair:{pair}", settings.sign_in_failures_per_account),
        ThrottleKey(f"account:{digest}", settings.sign_in_failures_per_account_anywhere),
        ThrottleKey(f"address:{where}", settings.sign_in_failures_per_address),
    ]


def refuse_if_blocked(*, session: Session, keys: list[ThrottleKey]) -> None:
    """429 ``too_many_attempts`` with ``Retry-After`` while any key is blocked."""
    now = clock.now()
    rows = session.exec(
        select(SignInThrottle).where(SignInThrottle.key.in_([k.key for k in keys]))  # type: ignore[attr-defined]
    ).all()
    waits = [row.blocked_until for row in rows if row.blocked_until and row.blocked_until > now]
    if waits:
        raise too_many_attempts(until=max(waits), now=now)


def record_failure(*, session: Session, keys: list[ThrottleKey]) -> None:
    """Count one failure for every key (the caller commits, also when it then answers 401)."""
    now = clock.now()
    window = timedelta(seconds=get_settings().sign_in_window_seconds)
    for key in keys:
        row = _locked_row(session=session, key=key.key, now=now)
        if now - row.window_started_at >= window:
            row.failures, row.window_started_at = 0, now
        row.failures += 1
        if row.failures >= key.limit:
            row.blocked_until = now + window
        session.add(row)
    session.flush()


def clear_account(*, session: Session, keys: list[ThrottleKey]) -> None:
    """A correct password: the account's failures are forgotten (the address's stay)."""
    for key in keys:
        if key.key.startswith(("account:", "pair:")):
            row = session.get(SignInThrottle, key.key)
            if row is not None:
                session.delete(row)


def too_many_attempts(*, until: datetime, now: datetime) -> ApiError:
    seconds = max(1, math.ceil((until - now).total_seconds()))
    return ApiError(
        429,
        f"too many failed sign-ins; try again in {seconds} s",
        code="too_many_attempts",
        headers={"Retry-After": str(seconds)},
    )


def _locked_row(*, session: Session, key: str, now: datetime) -> SignInThrottle:
    """The key's row, created if missing, locked until the transaction ends (PostgreSQL)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(SignInThrottle)
        .values(key=key, failures=0, window_started_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    row = session.exec(
        select(SignInThrottle)
        .where(SignInThrottle.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return row
