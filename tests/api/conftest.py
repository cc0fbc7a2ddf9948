"""Helpers for API tests: a signed-in phone (`Phone` lives in tests/fixtures/sign_in.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.fixtures.sign_in import Phone


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def days_ago(n: int) -> str:
    return (datetime.now(UTC).date() - timedelta(days=n)).isoformat()


def record(day: str | None = None, steps: int = 8000, source: str = "google_fit", **extra):
    base = {"date": day or today(), "steps": steps, "source": source}
    base.setdefault("distance_m", round(steps * 0.75, 1))
    base.setdefault("active_minutes", max(1, steps // 100))
    base.update(extra)
    return base


@pytest.fixture
def phone(client, member) -> Phone:
    return Phone(client, member.email)


@pytest.fixture
def make_phone(client):
    def make(user) -> Phone:
        return Phone(client, user.email)

    return make


class TokenClock:
    """The clock the token service reads (`tokens.utcnow`), moved by hand. It starts five
    minutes back, so tokens it stamps are never "issued in the future" for PyJWT."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC) - timedelta(minutes=5)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def token_clock(monkeypatch) -> TokenClock:
    from app.accounts import tokens

    clock = TokenClock()
    monkeypatch.setattr(tokens, "utcnow", clock)
    return clock
