"""POST /api/v1/auth/email-code and /auth/email-code/verify: the e-mailed code as a phone
sign-in, answering with the same token pair as /auth/login."""

from __future__ import annotations

import re

from app.core import mail


def _code_from_mail(email: str) -> str:
    sent = [m for m in mail.outbox() if m.to == email]
    return re.search(r"code is (\d{6})", sent[-1].body).group(1)


def test_a_mailed_code_gives_the_phone_a_token_pair(client, member):
    asked = client.post("/api/v1/auth/email-code", json={"email": member.email})
    assert asked.status_code == 202
    assert "sign-in code is on its way" in asked.get_json()["message"]
    answer = client.post(
        "/api/v1/auth/email-code/verify",
        json={"email": member.email, "code": _code_from_mail(member.email), "device_name": "Pixel"},
    )
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["user"]["email"] == member.email and body["token_type"] == "Bearer"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    again = client.post(
        "/api/v1/auth/email-code/verify",
        json={"email": member.email, "code": _code_from_mail(member.email)},
    )
    assert again.status_code == 401 and again.get_json()["error"]["code"] == "unauthorized"


def test_an_unknown_address_gets_the_same_202(client):
    asked = client.post("/api/v1/auth/email-code", json={"email": "nobody@example.com"})
    assert asked.status_code == 202
    assert mail.outbox() == []
    wrong = client.post(
        "/api/v1/auth/email-code/verify", json={"email": "nobody@example.com", "code": "123456"}
    )
    assert wrong.status_code == 401


def test_asking_is_limited_per_address_web_and_api_together(client, member):
    statuses = [
        client.post("/api/v1/auth/email-code", json={"email": member.email}).status_code
        for _ in range(4)
    ]
    assert statuses == [202, 202, 202, 429]
    limited = client.post("/api/v1/auth/email-code", json={"email": member.email.upper()})
    assert limited.status_code == 429 and "Retry-After" in limited.headers


def test_wrong_codes_count_against_the_account_sign_in_limit(client, member):
    client.post("/api/v1/auth/email-code", json={"email": member.email})
    statuses = [
        client.post(
            "/api/v1/auth/email-code/verify", json={"email": member.email, "code": "00000x"}
        ).status_code
        for _ in range(6)
    ]
    assert statuses == [401] * 5 + [429]


def test_a_missing_code_is_422_naming_the_field(client):
    answer = client.post("/api/v1/auth/email-code/verify", json={"email": "a@example.com"})
    assert answer.status_code == 422
    assert "code" in str(answer.get_json()["error"]["details"])


def test_both_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "202" in paths["/api/v1/auth/email-code"]["post"]["responses"]
    assert "200" in paths["/api/v1/auth/email-code/verify"]["post"]["responses"]
