"""Signing out ends the session on the server, for copied cookies too (issue 12.2)."""

from __future__ import annotations

from app.extensions import db
from app.models.users import User
from tests.fixtures.factories import PASSWORD
from tests.fixtures.sign_in import csrf_from


def replay(app, **cookies: str):
    """Another client that carries only the given (copied) cookies."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief


def test_a_copied_session_cookie_stops_working_after_logout(app, signed_in, member):
    csrf = signed_in.csrf
    copied = signed_in.client.get_cookie("session").value
    assert replay(app, session=copied).get("/settings").status_code == 200

    signed_in.post("/logout")

    thief = replay(app, session=copied)
    assert thief.get("/settings").headers["Location"].startswith("/login")
    changed = thief.post(
        "/settings/profile",
        data={"csrf_token": csrf, "full_name": "Stolen Name", "timezone": "UTC"},
    )
    assert changed.status_code == 302 and changed.headers["Location"].startswith("/login")
    db.session.expire_all()
    assert db.session.get(User, member.id).full_name == "Mia Member"


def test_a_remember_cookie_alone_stops_working_after_logout(app, client, member):
    page = client.get("/login")
    client.post(
        "/login",
        data={
            "email": member.email,
            "password": PASSWORD,
            "remember": "y",
            "csrf_token": csrf_from(page.text),
        },
    )
    remembered = client.get_cookie("remember_token").value
    assert replay(app, remember_token=remembered).get("/dashboard").status_code == 200

    client.post("/logout", data={"csrf_token": csrf_from(client.get("/settings").text)})

    answer = replay(app, remember_token=remembered).get("/dashboard")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")


def test_signing_in_again_after_logout_works(signed_in, member):
    signed_in.post("/logout")
    page = signed_in.client.get("/login")
    answer = signed_in.client.post(
        "/login",
        data={"email": member.email, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )

    assert answer.status_code == 302
    assert signed_in.client.get("/dashboard").status_code == 200


def test_a_pending_reset_link_survives_signing_out_elsewhere(client, signed_in, member):
    import re

    from app.core import mail

    page = client.get("/password/forgot")
    client.post(
        "/password/forgot", data={"email": member.email, "csrf_token": csrf_from(page.text)}
    )
    link = re.search(r"http://localhost(/password/reset/\S+)", mail.outbox()[0].body).group(1)
    signed_in.post("/logout")

    assert client.get(link).status_code == 200
