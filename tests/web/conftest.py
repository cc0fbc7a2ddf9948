"""Helpers for member page tests: a signed-in browser session that posts with CSRF."""

from __future__ import annotations

from datetime import date

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.models.users import User
from app.steps import sync as steps
from app.steps.sync import IncomingRecord
from tests.fixtures.factories import PASSWORD
from tests.fixtures.sign_in import csrf_from
from tests.fixtures.sign_in import sign_in as sign_in_through_the_form


class Member:
    """A member's browser session: GET pages, POST forms (with the page's CSRF token)."""

    def __init__(self, client: FlaskClient, user: User, password: str = PASSWORD) -> None:
        self.client = client
        self.user = user
        self._token: str | None = None
        sign_in_through_the_form(client, user.email, password)

    def csrf_on(self, path: str) -> str:
        return csrf_from(self.client.get(path).text)

    @property
    def csrf(self) -> str:
        if self._token is None:
            self._token = csrf_from(self.client.get("/settings").text)
        return self._token

    def get(self, path: str, **kwargs) -> TestResponse:
        return self.client.get(path, **kwargs)

    def htmx_get(self, path: str, **kwargs) -> TestResponse:
        return self.client.get(path, headers={"HX-Request": "true"}, **kwargs)

    def post(self, path: str, data: dict | None = None, **kwargs) -> TestResponse:
        return self.client.post(path, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)

    def htmx_post(self, path: str, data: dict | None = None, **kwargs) -> TestResponse:
        return self.client.post(
            path,
            data=data or {},
            headers={"HX-Request": "true", "X-CSRFToken": self.csrf},
            **kwargs,
        )


@pytest.fixture
def signed_in(client, member) -> Member:
    return Member(client, member)


@pytest.fixture
def walk():
    """Sync a day of steps for a member through the real service."""

    def sync(
        user: User,
        steps_count: int,
        day: date | None = None,
        source: str = "google_fit",
        distance_m: float | None = None,
    ):
        when = day or steps.member_today(user)
        return steps.sync_records(
            user,
            [
                IncomingRecord(
                    day=when,
                    steps=steps_count,
                    source=source,
                    distance_m=steps_count * 0.75 if distance_m is None else distance_m,
                    active_minutes=max(1, steps_count // 100),
                )
            ],
        )

    return sync


@pytest.fixture
def fund(admin):
    """Give a member coins through the ledger (an admin adjustment)."""
    from app.coins import ledger
    from app.core.db import transaction

    def give(user: User, coins: int) -> None:
        with transaction():
            ledger.adjust_by_admin(user.id, coins, "test funds", admin_id=admin.id)

    return give


@pytest.fixture
def sign_in(app):
    """Another browser session (its own cookies) for any member."""

    def open_session(user: User, password: str = PASSWORD) -> Member:
        return Member(app.test_client(), user, password)

    return open_session
