"""Accounts in the browser: register, sign in/out, password reset and change."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.accounts import tokens
from app.accounts.tokens import ClientInfo
from app.core import mail
from app.extensions import db
from app.models.users import Referral, RefreshToken, User
from tests.fixtures.factories import PASSWORD
from tests.fixtures.sign_in import csrf_from


def post_form(client, path: str, data: dict, **kwargs):
    token = csrf_from(client.get(path).text)
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)


def register(client, path: str = "/register", **fields):
    data = {
        "full_name": "Nia Walker",
        "email": "nia@example.com",
        "password": PASSWORD,
        "timezone": "Europe/Berlin",
        **fields,
    }
    return post_form(client, path, data)


# --- register ---------------------------------------------------------------------------------


def test_register_creates_the_account_signs_in_and_lands_on_the_dashboard(client):
    answer = register(client)

    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/dashboard")
    user = db.session.execute(select(User).where(User.email == "nia@example.com")).scalar_one()
    assert (user.full_name, user.timezone) == ("Nia Walker", "Europe/Berlin")
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 200
    assert "Hello, Nia" in dashboard.text


def test_register_with_a_ref_link_prefills_the_code_and_links_the_referrer(client, member):
    form = client.get(f"/register?ref={member.referral_code.lower()}")
    assert f'value="{member.referral_code}"' in form.text
    assert "A friend invited you" in form.text

    answer = register(client, referral_code=member.referral_code)

    assert answer.status_code == 302
    new = db.session.execute(select(User).where(User.email == "nia@example.com")).scalar_one()
    assert new.referred_by_id == member.id
    assert (
        db.session.execute(
            select(func.count()).select_from(Referral).where(Referral.referrer_id == member.id)
        ).scalar_one()
        == 1
    )


def test_register_mistakes_are_shown_inline_and_what_was_typed_stays(client):
    answer = register(client, email="not-an-email", password="short", referral_code="ZZZZZZZZ")

    assert answer.status_code == 422
    page = answer.text
    assert 'value="Nia Walker"' in page
    assert 'value="not-an-email"' in page
    assert 'aria-invalid="true"' in page
    assert "valid e-mail" in page
    assert db.session.execute(select(func.count()).select_from(User)).scalar_one() == 0


def test_register_with_a_taken_email_does_not_say_whose_and_tells_the_owner(app, client, member):
    answer = register(client, email=member.email)

    assert answer.status_code == 422
    assert "cannot be used to register" in answer.text
    sent = mail.outbox()
    assert [m.to for m in sent] == [member.email]
    assert "already has one" in sent[0].body


# --- sign in and out ----------------------------------------------------------------------------


def test_wrong_password_and_unknown_email_get_the_same_answer(client, member):
    wrong = post_form(client, "/login", {"email": member.email, "password": "wrong-password"})
    unknown = post_form(client, "/login", {"email": "nobody@example.com", "password": "x" * 10})

    assert wrong.status_code == unknown.status_code == 422
    assert "Wrong e-mail or password." in wrong.text
    assert "Wrong e-mail or password." in unknown.text
    assert f'value="{member.email}"' in wrong.text


def test_login_rate_limit_answers_with_a_clear_message(client, member):
    for _ in range(10):
        post_form(client, "/login", {"email": member.email, "password": "wrong-password"})

    limited = post_form(client, "/login", {"email": member.email, "password": PASSWORD})

    assert limited.status_code == 429
    assert "Too many attempts" in limited.text
    assert int(limited.headers["Retry-After"]) > 0


def test_remember_me_sets_a_long_lived_httponly_cookie(client, member):
    answer = post_form(
        client, "/login", {"email": member.email, "password": PASSWORD, "remember": "y"}
    )

    cookies = " ".join(answer.headers.getlist("Set-Cookie"))
    assert "remember_token=" in cookies
    assert "HttpOnly" in cookies and "SameSite=Lax" in cookies


def test_login_ignores_an_offsite_next(client, member):
    token = csrf_from(client.get("/login").text)
    answer = client.post(
        "/login?next=https://evil.example/",
        data={"email": member.email, "password": PASSWORD, "csrf_token": token},
    )
    assert answer.headers["Location"] == "/dashboard"


def test_logout_ends_the_session(signed_in):
    answer = signed_in.post("/logout")

    assert answer.status_code == 302
    assert signed_in.get("/dashboard").status_code == 302


def test_pages_need_a_sign_in_and_htmx_gets_a_full_page_redirect(client):
    assert client.get("/wallet").headers["Location"].startswith("/login")
    answer = client.get("/wallet", headers={"HX-Request": "true"})
    assert answer.status_code == 204
    assert answer.headers["HX-Redirect"].startswith("/login")


# --- password reset -----------------------------------------------------------------------------


def reset_link(body: str) -> str:
    return re.search(r"http://localhost(/password/reset/\S+)", body).group(1)


def test_reset_request_answers_the_same_for_known_and_unknown_addresses(client, member):
    known = post_form(client, "/password/forgot", {"email": member.email})
    unknown = post_form(client, "/password/forgot", {"email": "nobody@example.com"})

    assert known.status_code == unknown.status_code == 200
    assert "If an account exists" in known.text and "If an account exists" in unknown.text
    assert [m.to for m in mail.outbox()] == [member.email]


def test_reset_link_sets_a_new_password_once_and_ends_every_session(app, client, member, sign_in):
    phone = tokens.issue_pair(member, ClientInfo(device_name="phone"))
    db.session.commit()
    other = sign_in(member)
    post_form(client, "/password/forgot", {"email": member.email})
    link = reset_link(mail.outbox()[0].body)

    form = client.get(link)
    assert form.status_code == 200
    answer = post_form(client, link, {"password": "brand-new-pass", "confirm": "brand-new-pass"})

    assert answer.status_code == 302
    assert answer.headers["Location"] == "/login"
    assert other.get("/dashboard").status_code == 302  # the other browser is signed out
    refresh = db.session.execute(
        select(RefreshToken).where(RefreshToken.user_id == member.id)
    ).scalar_one()
    assert refresh.revoked_at is not None and phone.refresh_token
    assert (
        post_form(
            client, "/login", {"email": member.email, "password": "brand-new-pass"}
        ).status_code
        == 302
    )
    used = client.get(link)
    assert used.status_code == 400
    assert "expired or was already used" in used.text


def test_reset_with_a_forged_link_is_refused(client):
    answer = client.get("/password/reset/not-a-real-token")
    assert answer.status_code == 400
    assert "Send me a new link" in answer.text


def test_reset_form_errors_are_inline(client, member):
    post_form(client, "/password/forgot", {"email": member.email})
    link = reset_link(mail.outbox()[0].body)

    answer = post_form(client, link, {"password": "brand-new-pass", "confirm": "different-pass"})

    assert answer.status_code == 422
    assert "The two passwords differ." in answer.text


# --- password change ----------------------------------------------------------------------------


def test_password_change_keeps_this_session_ends_the_others_and_revokes_phone_tokens(
    signed_in, sign_in, member
):
    tokens.issue_pair(member, ClientInfo(device_name="phone"))
    db.session.commit()
    other = sign_in(member)

    answer = signed_in.post(
        "/settings/password",
        {
            "current_password": PASSWORD,
            "password": "brand-new-pass",
            "confirm_password": "brand-new-pass",
        },
    )

    assert answer.status_code == 302
    assert signed_in.get("/dashboard").status_code == 200
    assert other.get("/dashboard").status_code == 302
    live = db.session.execute(
        select(func.count())
        .select_from(RefreshToken)
        .where(RefreshToken.user_id == member.id, RefreshToken.revoked_at.is_(None))
    ).scalar_one()
    assert live == 0


def test_password_change_with_a_wrong_current_password_says_so_inline(signed_in):
    answer = signed_in.post(
        "/settings/password",
        {
            "current_password": "nope-nope",
            "password": "brand-new-pass",
            "confirm_password": "brand-new-pass",
        },
    )

    assert answer.status_code == 422
    assert "Your current password is not right." in answer.text
    assert 'id="current_password-error"' in answer.text
