"""POST /auth/register, /login, /refresh, /logout and bearer authentication (SPEC §6)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models.users import Referral, RefreshToken, User
from tests.fixtures.factories import PASSWORD
from tests.fixtures.sign_in import Phone, sign_in


def register(client, **fields):
    body = {"email": "new@example.com", "password": "long-enough-pw", "full_name": "New Walker"}
    body.update(fields)
    return client.post("/api/v1/auth/register", json=body)


def test_register_returns_201_with_user_and_token_pair(client):
    answer = register(client, timezone="Europe/Berlin")
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] > 0
    assert body["user"]["email"] == "new@example.com"
    assert body["user"]["timezone"] == "Europe/Berlin"
    assert len(body["user"]["referral_code"]) == 8
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.get_json()["wallet"]["available_coins"] == 0


def test_register_with_referral_code_links_the_two_members(client, member):
    answer = register(client, referral_code=member.referral_code.lower())
    assert answer.status_code == 201
    referral = db.session.execute(select(Referral)).scalar_one()
    assert referral.referrer_id == member.id


def test_register_with_unknown_referral_code_is_422_naming_the_field(client):
    answer = register(client, referral_code="ZZZZZZZZ")
    assert answer.status_code == 422
    assert answer.get_json()["error"]["details"][0]["field"] == "referral_code"


def test_register_twice_with_one_email_is_409(client):
    assert register(client).status_code == 201
    answer = register(client, email="NEW@example.com")
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "conflict"


def test_register_validation_errors_name_every_field(client):
    answer = client.post("/api/v1/auth/register", json={"email": "x", "password": "short"})
    assert answer.status_code == 422
    fields = {d["field"] for d in answer.get_json()["error"]["details"]}
    assert {"password", "full_name"} <= fields


def test_register_with_unknown_timezone_is_422(client):
    answer = register(client, timezone="Mars/Olympus")
    assert answer.status_code == 422
    assert answer.get_json()["error"]["details"][0]["field"] == "timezone"


def test_login_keeps_device_name_ip_and_user_agent_with_the_token(client, member):
    answer = client.post(
        "/api/v1/auth/login",
        json={"email": member.email, "password": PASSWORD, "device_name": "Pixel 9"},
        headers={"User-Agent": "FitKartAndroid/3.1"},
    )
    assert answer.status_code == 200
    token = db.session.execute(select(RefreshToken)).scalar_one()
    assert token.device_name == "Pixel 9"
    assert token.user_agent == "FitKartAndroid/3.1"
    assert token.ip_address == "127.0.0.1"
    assert token.token_hash != answer.get_json()["refresh_token"]
    assert len(token.token_hash) == 64


def test_login_with_wrong_password_or_unknown_email_is_the_same_401(client, member):
    wrong = client.post("/api/v1/auth/login", json={"email": member.email, "password": "nope-nope"})
    unknown = client.post(
        "/api/v1/auth/login", json={"email": "who@x.org", "password": "nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json()["error"]["message"] == unknown.get_json()["error"]["message"]


def test_banned_member_cannot_log_in(client, member):
    member.status = "banned"
    db.session.commit()
    answer = client.post("/api/v1/auth/login", json={"email": member.email, "password": PASSWORD})
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "account_disabled"


def test_refresh_rotates_and_the_old_token_stops_working(client, member):
    phone = Phone(client, member.email)
    first = phone.tokens["refresh_token"]
    answer = client.post("/api/v1/auth/refresh", json={"refresh_token": first})
    assert answer.status_code == 200
    second = answer.get_json()["refresh_token"]
    assert second != first
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": second}).status_code == 200


def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(client, member, token_clock):
    phone = Phone(client, member.email)
    stolen = phone.tokens["refresh_token"]
    fresh = client.post("/api/v1/auth/refresh", json={"refresh_token": stolen}).get_json()
    token_clock.advance(seconds=31)  # past the grace window for a retried refresh
    reuse = client.post("/api/v1/auth/refresh", json={"refresh_token": stolen})
    assert reuse.status_code == 401
    # the legitimate holder's newer token dies with the family
    after = client.post("/api/v1/auth/refresh", json={"refresh_token": fresh["refresh_token"]})
    assert after.status_code == 401
    db.session.expire_all()
    tokens = db.session.execute(select(RefreshToken)).scalars().all()
    assert all(t.revoked_at is not None for t in tokens)


def test_another_login_family_survives_a_reuse_elsewhere(client, member, token_clock):
    phone_a, phone_b = Phone(client, member.email), Phone(client, member.email)
    stolen = phone_a.tokens["refresh_token"]
    client.post("/api/v1/auth/refresh", json={"refresh_token": stolen})
    token_clock.advance(seconds=31)
    client.post("/api/v1/auth/refresh", json={"refresh_token": stolen})
    other = client.post(
        "/api/v1/auth/refresh", json={"refresh_token": phone_b.tokens["refresh_token"]}
    )
    assert other.status_code == 200


def test_banned_member_cannot_refresh_and_access_tokens_stop_working(client, member):
    phone = Phone(client, member.email)
    db.session.get(User, member.id).status = "banned"
    db.session.commit()
    answer = client.post(
        "/api/v1/auth/refresh", json={"refresh_token": phone.tokens["refresh_token"]}
    )
    assert answer.status_code == 403
    assert phone.get("/me").status_code == 403


def test_logout_revokes_the_refresh_token_and_answers_204(client, member):
    phone = Phone(client, member.email)
    answer = client.post(
        "/api/v1/auth/logout", json={"refresh_token": phone.tokens["refresh_token"]}
    )
    assert answer.status_code == 204
    again = client.post(
        "/api/v1/auth/refresh", json={"refresh_token": phone.tokens["refresh_token"]}
    )
    assert again.status_code == 401


def test_unknown_refresh_token_is_401(client):
    answer = client.post("/api/v1/auth/refresh", json={"refresh_token": "not-a-token"})
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == "unauthorized"


def test_missing_or_garbage_bearer_token_is_401(client):
    assert client.get("/api/v1/me").status_code == 401
    garbage = client.get("/api/v1/me", headers={"Authorization": "Bearer abc.def.ghi"})
    assert garbage.status_code == 401
    assert garbage.get_json()["error"]["code"] == "unauthorized"


def test_password_change_ends_existing_access_tokens(client, member):
    from app.accounts import accounts

    phone = Phone(client, member.email)
    accounts.set_password(db.session.get(User, member.id), "a-new-password-1")
    db.session.commit()
    assert phone.get("/me").status_code == 401


def test_api_ignores_the_browser_session_cookie(client, member):
    sign_in(client, member.email)
    assert client.get("/api/v1/me").status_code == 401


def test_login_is_rate_limited_per_account_with_retry_after(client, member):
    statuses = []
    for _ in range(7):
        answer = client.post(
            "/api/v1/auth/login", json={"email": member.email, "password": "wrong-password"}
        )
        statuses.append(answer.status_code)
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    limited = client.post("/api/v1/auth/login", json={"email": member.email, "password": PASSWORD})
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.get_json()["error"]["code"] == "rate_limited"
