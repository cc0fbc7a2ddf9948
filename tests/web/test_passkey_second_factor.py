"""A passkey that verified the person (PIN, fingerprint, face) is the admin's second
factor: such a sign-in reaches /admin with no authenticator code. One without user
verification is only the first factor, and the code is asked for as after a password."""

from __future__ import annotations

import pytest

from tests.fixtures.passkey_authenticator import SoftPasskey
from tests.fixtures.sign_in import csrf_from

ORIGIN = "http://localhost"


@pytest.fixture
def soft_passkey(app) -> SoftPasskey:
    app.config.update(WEBAUTHN_RP_ID="localhost", WEBAUTHN_ORIGIN=ORIGIN)
    return SoftPasskey(rp_id="localhost", origin=ORIGIN)


def passkey_sign_in(client, passkey: SoftPasskey, *, user_verified: bool):
    token = csrf_from(client.get("/login").text)
    options = client.post("/login/passkey/options", json={}, headers={"X-CSRFToken": token})
    credential = passkey.assertion(options.get_json(), user_verified=user_verified)
    return client.post(
        "/login/passkey", json={"credential": credential}, headers={"X-CSRFToken": token}
    )


def test_an_admin_with_a_user_verified_passkey_reaches_the_console_without_a_code(
    client, admin, soft_passkey
):
    soft_passkey.register_for(admin)
    answer = passkey_sign_in(client, soft_passkey, user_verified=True)
    assert answer.status_code == 200, answer.text
    assert answer.get_json()["redirect"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_passkey_without_user_verification_still_asks_the_admin_for_the_code(
    client, admin, soft_passkey
):
    soft_passkey.register_for(admin)
    answer = passkey_sign_in(client, soft_passkey, user_verified=False)
    assert answer.get_json()["redirect"].startswith("/account/second-factor")
    console = client.get("/admin/")
    assert console.status_code == 302 and "/account/second-factor" in console.headers["Location"]


def test_an_admin_whose_only_second_factor_is_a_passkey_is_let_in(
    client, make_member, soft_passkey
):
    admin = make_member(role="admin", with_second_factor=False)
    soft_passkey.register_for(admin)
    passkey_sign_in(client, soft_passkey, user_verified=True)
    assert client.get("/admin/users").status_code == 200


def test_a_member_passkey_sign_in_lands_on_the_dashboard_and_grants_no_console(
    client, member, soft_passkey
):
    soft_passkey.register_for(member)
    answer = passkey_sign_in(client, soft_passkey, user_verified=True)
    assert answer.get_json()["redirect"] == "/dashboard"
    assert client.get("/admin/").status_code == 403


def test_a_replayed_passkey_assertion_is_refused(client, admin, soft_passkey):
    soft_passkey.register_for(admin)
    token = csrf_from(client.get("/login").text)
    options = client.post("/login/passkey/options", json={}, headers={"X-CSRFToken": token})
    credential = soft_passkey.assertion(options.get_json(), user_verified=True)
    first = client.post(
        "/login/passkey", json={"credential": credential}, headers={"X-CSRFToken": token}
    )
    assert first.status_code == 200
    again = client.application.test_client()
    token = csrf_from(again.get("/login").text)
    again.post("/login/passkey/options", json={}, headers={"X-CSRFToken": token})
    replayed = again.post(
        "/login/passkey", json={"credential": credential}, headers={"X-CSRFToken": token}
    )
    assert replayed.status_code == 401
    assert again.get("/admin/").status_code == 302


def test_a_passkey_only_admin_confirms_a_sensitive_action_with_the_passkey_again(
    client, make_member, member, soft_passkey
):
    from app.web import second_factor as second_factor_views

    admin = make_member(role="admin", with_second_factor=False)
    soft_passkey.register_for(admin)
    passkey_sign_in(client, soft_passkey, user_verified=True)
    with client.session_transaction() as session:  # the proof is 16 minutes old
        session["second_factor_at"] = second_factor_views.clock() - 16 * 60
    token = csrf_from(client.get("/admin/users").text)
    ban = {"status": "banned", "reason": "cheating", "csrf_token": token}

    asked = client.post(
        f"/admin/users/{member.id}/status", data=ban, headers={"Referer": "/admin/users"}
    )
    assert asked.status_code == 302
    verify = client.get(asked.headers["Location"])
    assert verify.status_code == 200  # not the authenticator set-up page
    assert "data-passkey-sign-in" in verify.text and 'name="code"' not in verify.text
    assert member.status == "active"

    token = csrf_from(verify.text)
    options = client.post("/login/passkey/options", json={}, headers={"X-CSRFToken": token})
    credential = soft_passkey.assertion(options.get_json(), user_verified=True)
    again = client.post(
        "/login/passkey?next=/admin/users",
        json={"credential": credential},
        headers={"X-CSRFToken": token},
    )
    assert again.get_json()["redirect"] == "/admin/users"
    token = csrf_from(client.get("/admin/users").text)
    done = client.post(f"/admin/users/{member.id}/status", data={**ban, "csrf_token": token})
    assert done.status_code == 302
    assert "/account/second-factor" not in done.headers["Location"]
