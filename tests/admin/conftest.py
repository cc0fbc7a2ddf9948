"""Signed-in browsers for admin tests, and a CSRF token helper."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from app.accounts import accounts
from tests.fixtures.factories import PASSWORD, totp_code

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|name="csrf-token" content="([^"]+)"')


def csrf_token(client: FlaskClient, url: str = "/login") -> str:
    """The CSRF token a page hands out (session-bound, so valid for any form)."""
    html = client.get(url).get_data(as_text=True)
    match = _TOKEN.search(html)
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> FlaskClient:
    """Log in through the form. The token stays valid for the session: `client.csrf`."""
    token = csrf_token(client)
    answer = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    client.csrf = token  # type: ignore[attr-defined]
    if "/account/second-factor" in answer.headers["Location"]:
        pass_second_factor(client, email)
    return client


def pass_second_factor(client: FlaskClient, email: str) -> None:
    """Type the admin's current authenticator code, as the admin would after the password."""
    user = accounts.find_by_email(email)
    assert user is not None
    answer = client.post(
        "/account/second-factor",
        data={"code": totp_code(user), "csrf_token": client.csrf},  # type: ignore[attr-defined]
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]


@pytest.fixture
def admin_client(app, admin) -> FlaskClient:
    return sign_in(app.test_client(), admin.email)


@pytest.fixture
def member_client(app, member) -> FlaskClient:
    return sign_in(app.test_client(), member.email)
