"""Weak new passwords are refused next to the field (web) and with 422 details (API)."""

from __future__ import annotations

import re

from app.core import mail
from tests.fixtures.sign_in import csrf_from

ZERO_WIDTH_EIGHT = "\u200b" * 8


def field_error(html: str) -> str:
    """The error text shown under the password field."""
    found = re.search(r'id="password-error"[^>]*>([^<]+)<', html)
    assert found, "no field error on the page"
    return found.group(1)


def test_web_register_refuses_a_common_password_next_to_the_field(client):
    page = client.get("/register")
    answer = client.post(
        "/register",
        data={
            "csrf_token": csrf_from(page.text),
            "full_name": "Nia Walker",
            "email": "nia@example.com",
            "password": "12345678",
            "timezone": "UTC",
        },
    )

    assert answer.status_code == 422
    assert "common passwords" in field_error(answer.text)


def test_api_register_refuses_invisible_and_own_email_passwords_with_details(client):
    for password, says in [(ZERO_WIDTH_EIGHT, "invisible"), ("nia@example.com", "e-mail")]:
        answer = client.post(
            "/api/v1/auth/register",
            json={"email": "nia@example.com", "password": password, "full_name": "Nia Walker"},
        )
        assert answer.status_code == 422
        error = answer.get_json()["error"]
        assert error["details"][0]["field"] == "password"
        assert says in error["details"][0]["message"]


def test_reset_refuses_a_common_password_inline(client, member):
    page = client.get("/password/forgot")
    client.post(
        "/password/forgot", data={"email": member.email, "csrf_token": csrf_from(page.text)}
    )
    link = re.search(r"http://localhost(/password/reset/\S+)", mail.outbox()[0].body).group(1)
    form = client.get(link)
    answer = client.post(
        link,
        data={"password": "password", "confirm": "password", "csrf_token": csrf_from(form.text)},
    )

    assert answer.status_code == 422
    assert "common passwords" in field_error(answer.text)


def test_change_refuses_the_members_own_email_inline(signed_in, member):
    answer = signed_in.post(
        "/settings/password",
        {
            "current_password": "correct-horse-battery",
            "password": member.email,
            "confirm_password": member.email,
        },
    )

    assert answer.status_code == 422
    assert "e-mail address or your name" in answer.text
