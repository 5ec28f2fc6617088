"""Sign-in throttling per account and per address: 429 ``too_many_attempts`` with ``Retry-After``
(issue 23); the password is not even checked while blocked, and the count is in the database."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend import clock
from backend.accounts.models import SignInThrottle
from backend.db import get_engine
from backend.settings import get_settings
from support.factories import PASSWORD, new_user

_addresses = (f"198.51.100.{n}" for n in itertools.count(1))


@pytest.fixture
def from_address(app):
    """A client whose requests come from an address of its own (TEST-NET-2)."""
    return TestClient(app, client=(next(_addresses), 40000))


def sign_in(client: TestClient, email: str, password: str):
    return client.post("/api/v1/auth/token", data={"username": email, "password": password})


def test_an_account_is_blocked_after_its_limit_even_for_the_right_password(client, from_address):
    limit = get_settings().sign_in_failures_per_account
    person = new_user(client)
    for _ in range(limit):
        assert sign_in(from_address, person.email, "wrong password").status_code == 401
    blocked = sign_in(from_address, person.email, PASSWORD)
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "too_many_attempts"
    retry_after = int(blocked.headers["retry-after"])
    assert 0 < retry_after <= get_settings().sign_in_window_seconds
    # from another address the owner still signs in: a stranger's guesses do not lock them out
    other = TestClient(from_address.app, client=(next(_addresses), 40000))
    assert sign_in(other, person.email, PASSWORD).status_code == 200
    # another account from the first address is not blocked either
    assert sign_in(from_address, new_user(client).email, PASSWORD).status_code == 200


def test_an_account_guessed_at_from_many_addresses_is_blocked_everywhere(
    client, from_address, monkeypatch
):
    settings = get_settings()
    monkeypatch.setattr(settings, "sign_in_failures_per_account_anywhere", 8)
    per_address = settings.sign_in_failures_per_account
    person = new_user(client)
    guessers = [TestClient(from_address.app, client=(next(_addresses), 40000)) for _ in range(2)]
    answers = [
        sign_in(guesser, person.email, "wrong").status_code
        for guesser in guessers
        for _ in range(4)
    ]
    assert answers == [401] * 8 and per_address > 4
    assert sign_in(from_address, person.email, PASSWORD).status_code == 429


def test_an_unknown_address_is_counted_the_same_so_a_429_reveals_nothing(from_address):
    email = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    limit = get_settings().sign_in_failures_per_account
    answers = [sign_in(from_address, email, "guess").status_code for _ in range(limit + 1)]
    assert answers == [401] * limit + [429]


def test_a_correct_password_clears_the_accounts_count(client, from_address):
    limit = get_settings().sign_in_failures_per_account
    person = new_user(client)
    for _ in range(limit - 1):
        assert sign_in(from_address, person.email, "wrong").status_code == 401
    assert sign_in(from_address, person.email, PASSWORD).status_code == 200
    for _ in range(limit - 1):
        assert sign_in(from_address, person.email, "wrong").status_code == 401
    assert sign_in(from_address, person.email, PASSWORD).status_code == 200


def test_one_address_trying_many_accounts_is_blocked(client, from_address):
    limit = get_settings().sign_in_failures_per_address
    for n in range(limit):
        email = f"spray-{n}-{uuid.uuid4().hex[:6]}@example.com"
        assert sign_in(from_address, email, "Winter2026!").status_code == 401
    person = new_user(client)
    blocked = sign_in(from_address, person.email, PASSWORD)
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "too_many_attempts"
    elsewhere = TestClient(from_address.app, client=(next(_addresses), 40000))
    assert sign_in(elsewhere, person.email, PASSWORD).status_code == 200


def test_the_block_ends_when_its_window_has_passed(client, from_address, monkeypatch):
    limit = get_settings().sign_in_failures_per_account
    person = new_user(client)
    for _ in range(limit):
        sign_in(from_address, person.email, "wrong")
    assert sign_in(from_address, person.email, PASSWORD).status_code == 429
    later = clock.now() + timedelta(seconds=get_settings().sign_in_window_seconds + 1)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert sign_in(from_address, person.email, PASSWORD).status_code == 200
    with Session(get_engine()) as session:
        keys = [row.key for row in session.exec(select(SignInThrottle)).all()]
    assert all(not key.endswith(person.email) for key in keys), "e-mails are stored hashed"


def test_every_key_fits_its_column_whatever_the_address():
    """PostgreSQL holds 80 characters a key (SQLite would take any length): an IPv6 address with
    a zone, cut to 64, still makes keys that fit."""
    from backend.accounts.models import SignInThrottle
    from backend.accounts.throttle import keys_for

    width = SignInThrottle.__table__.c.key.type.length
    keys = keys_for(email="someone@example.com", address="fe80::1%" + "x" * 80)
    assert len(keys) == 3 and all(len(k.key) <= width for k in keys)
