"""The admin second factor: enrolment with a QR code shown once and recovery codes, a code
after every password sign-in, and a fresh code before sensitive actions after 15 minutes."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import func, select

from app.accounts import second_factor
from app.backoffice.settings import SPECS
from app.core.errors import AuthenticationFailed
from app.extensions import db
from app.models.admin import AdminApiToken, AdminLog
from app.models.sign_in import RecoveryCode, TotpCredential
from app.models.wallet import CoinTransaction
from app.web import second_factor as second_factor_views
from tests.fixtures.factories import PASSWORD, TEST_TOTP_SECRET
from tests.fixtures.sign_in import csrf_token, pass_second_factor, sign_in

_SECRET = re.compile(r"data-secret>([A-Z2-7]+)<")


def _password_only(client, email: str):
    token = csrf_token(client)
    answer = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    client.csrf = token
    return answer


def test_an_admin_without_a_second_factor_enrols_before_reaching_the_console(app, make_member):
    admin = make_member("new.admin@example.com", role="admin", with_second_factor=False)
    client = app.test_client()
    answer = _password_only(client, admin.email)
    assert "/account/second-factor" in answer.headers["Location"]
    console = client.get("/admin/users")
    assert console.status_code == 302
    assert "/account/second-factor/setup" in console.headers["Location"]

    page = client.get("/account/second-factor/setup").text
    qr = page[page.index("data-qr>") : page.index("</figure>")]
    assert "<svg" in qr and "<path" in qr and "style=" not in qr  # inline, CSP-safe
    secret = _SECRET.search(page).group(1)
    wrong = client.post(
        "/account/second-factor/setup", data={"code": "000000", "csrf_token": client.csrf}
    )
    assert wrong.status_code == 422 and "does not match" in wrong.text
    assert db.session.scalar(select(func.count()).select_from(TotpCredential)) == 0

    done = client.post(
        "/account/second-factor/setup",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": client.csrf},
    )
    assert done.status_code == 200
    codes = re.findall(r"<code>([A-Z0-9-]{19})</code>", done.text)
    assert len(codes) == second_factor.RECOVERY_CODE_COUNT == len(set(codes))
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)  # hashes only
    assert client.get("/admin/users").status_code == 200
    # The QR code and its key are shown once: the page now offers a new one.
    assert secret not in client.get("/account/second-factor/setup").text
    logged = db.session.scalars(select(AdminLog.action)).all()
    assert "second_factor.enrolled" in logged


def test_the_password_alone_does_not_open_the_console(app, admin):
    client = app.test_client()
    answer = _password_only(client, admin.email)
    assert answer.status_code == 302 and "/account/second-factor?" in answer.headers["Location"]
    assert "/account/second-factor" in client.get("/admin").headers["Location"]
    assert "/account/second-factor" in client.get("/admin/settings").headers["Location"]
    htmx = client.get("/admin/fraud", headers={"HX-Request": "true"})
    assert "/account/second-factor" in htmx.headers["HX-Redirect"]

    wrong = client.post(
        "/account/second-factor", data={"code": "123456", "csrf_token": client.csrf}
    )
    assert wrong.status_code == 422 and "not right" in wrong.text
    pass_second_factor(client, admin.email)
    assert client.get("/admin").status_code == 200


def test_signing_in_again_asks_for_a_new_code(app, admin):
    client = sign_in(app.test_client(), admin.email)
    client.post("/logout", data={"csrf_token": client.csrf})
    _password_only(client, admin.email)
    assert client.get("/admin").status_code == 302


def test_a_used_code_is_refused_and_the_neighbouring_steps_are_accepted(admin):
    now = time.time()
    totp = pyotp.TOTP(TEST_TOTP_SECRET)
    assert second_factor.verify(admin, totp.at(now - 30), now=now).method == "totp"
    with pytest.raises(AuthenticationFailed, match="already used"):
        second_factor.verify(admin, totp.at(now - 30), now=now)
    with pytest.raises(AuthenticationFailed, match="not right"):
        second_factor.verify(admin, totp.at(now + 90), now=now)
    assert second_factor.verify(admin, totp.at(now + 30), now=now).method == "totp"


def test_a_recovery_code_works_once(app, make_member):
    admin = make_member(role="admin", with_second_factor=False)
    secret = second_factor.new_secret()
    codes = second_factor.confirm_enrolment(admin, secret, pyotp.TOTP(secret).now())
    assert second_factor.verify(admin, codes[3].lower()).recovery_codes_left == 9
    with pytest.raises(AuthenticationFailed):
        second_factor.verify(admin, codes[3])

    client = app.test_client()
    _password_only(client, admin.email)
    answer = client.post(
        "/account/second-factor", data={"code": codes[4], "csrf_token": client.csrf}
    )
    assert answer.status_code == 302
    assert "8 left" in client.get("/admin").text


def test_wrong_codes_are_rate_limited_per_account(app, admin):
    client = app.test_client()
    _password_only(client, admin.email)
    statuses = [
        client.post(
            "/account/second-factor", data={"code": "000000", "csrf_token": client.csrf}
        ).status_code
        for _ in range(6)
    ]
    assert statuses == [422] * 5 + [429]


def test_members_have_no_second_factor_pages(member_client):
    assert member_client.get("/account/second-factor").status_code == 403
    assert member_client.get("/account/second-factor/setup").status_code == 403


def _age_the_proof(client, seconds: float) -> None:
    with client.session_transaction() as session:
        session["second_factor_at"] = second_factor_views.clock() - seconds


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/admin/users/{member}/adjust", {"amount": "100", "reason": "goodwill"}),
        ("/admin/users/{member}/status", {"status": "banned", "reason": "cheating"}),
        ("/admin/tokens", {"name": "script", "scope": "read", "expires_in_days": "30"}),
        (
            "/admin/settings",
            {**{spec.key: str(spec.default) for spec in SPECS}, "steps_per_coin": "50"},
        ),
    ],
)
def test_sensitive_actions_ask_again_after_fifteen_minutes(app, admin, member, path, data):
    client = sign_in(app.test_client(), admin.email)
    url = path.format(member=member.id)
    _age_the_proof(client, 16 * 60)
    before = _state(member.id)

    asked = client.post(
        url, data={**data, "csrf_token": client.csrf}, headers={"Referer": "/admin/users"}
    )
    assert asked.status_code == 302
    assert "/account/second-factor?next=/admin/users" in asked.headers["Location"]
    assert _state(member.id) == before  # nothing was done
    assert client.get("/admin/users").status_code == 200  # reading needs no new code

    pass_second_factor(client, admin.email)
    done = client.post(url, data={**data, "csrf_token": client.csrf})
    assert done.status_code in {201, 302}
    assert _state(member.id) != before


def test_a_proof_younger_than_fifteen_minutes_is_enough(app, admin, member):
    client = sign_in(app.test_client(), admin.email)
    _age_the_proof(client, 14 * 60)
    answer = client.post(
        f"/admin/users/{member.id}/adjust",
        data={"amount": "25", "reason": "goodwill", "csrf_token": client.csrf},
    )
    assert answer.status_code == 302 and f"/admin/users/{member.id}" in answer.headers["Location"]


def _state(member_id: int) -> tuple:
    from app.models.admin import Setting
    from app.models.users import User

    db.session.expire_all()
    return (
        db.session.scalar(select(func.count()).select_from(CoinTransaction)),
        db.session.get(User, member_id).status,
        db.session.scalar(select(func.count()).select_from(AdminApiToken)),
        tuple(db.session.execute(select(Setting.key, Setting.value)).all()),
    )


def test_create_admin_explains_the_enrolment_step(runner):
    result = runner.invoke(
        args=["users", "create-admin", "boss@example.com", "--password", "a-long-passphrase-9"]
    )
    assert result.exit_code == 0, result.output
    assert "QR code" in result.output and "recovery codes" in result.output


def test_totp_code_prints_the_current_code_in_development_only(app, runner, admin):
    refused = runner.invoke(args=["users", "totp-code", admin.email])
    assert refused.exit_code != 0 and "development only" in refused.output
    app.config["ENV_NAME"] = "development"
    shown = runner.invoke(args=["users", "totp-code", admin.email])
    assert shown.exit_code == 0
    assert shown.output.strip() in {
        pyotp.TOTP(TEST_TOTP_SECRET).at(time.time() + d) for d in (-30, 0, 30)
    }


def test_the_development_seed_enrols_its_admin(app, runner):
    app.config["ENV_NAME"] = "development"
    result = runner.invoke(args=["seed", "initial"])
    assert result.exit_code == 0, result.output
    assert "flask users totp-code admin@fitkart.example" in result.output
    assert db.session.scalar(select(func.count()).select_from(TotpCredential)) == 1
