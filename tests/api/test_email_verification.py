"""The phone confirms the address with the mailed code; orders wait for it (403)."""

from __future__ import annotations

import re

from app.core import mail
from tests.fixtures.sign_in import Phone


def _code_in_mail(email: str) -> str:
    body = [m for m in mail.outbox() if m.to == email][-1].body
    return re.search(r"type this code instead: (\d{6})", body).group(1)


def _register(client, email="phone@example.com"):
    answer = client.post(
        "/api/v1/auth/register",
        json={"email": email, "password": "a-long-passphrase-9", "full_name": "Pia Phone"},
    )
    assert answer.status_code == 201
    return answer.get_json()


def test_a_new_account_is_unconfirmed_until_the_code_is_typed(client):
    body = _register(client)
    assert body["user"]["email_verified"] is False
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.get("/api/v1/me", headers=headers).get_json()["email_verified"] is False

    wrong = client.post(
        "/api/v1/me/email-verification/confirm", json={"code": "00000x"}, headers=headers
    )
    assert wrong.status_code == 422 and wrong.get_json()["error"]["details"] == [{"field": "code"}]
    right = client.post(
        "/api/v1/me/email-verification/confirm",
        json={"code": _code_in_mail("phone@example.com")},
        headers=headers,
    )
    assert right.status_code == 200 and right.get_json() == {"email_verified": True}
    assert client.get("/api/v1/me", headers=headers).get_json()["email_verified"] is True


def test_orders_answer_403_email_not_verified_until_confirmed(client, make_member, make_product):
    user = make_member(email_verified=False)
    product = make_product(coin_price=10)
    phone = Phone(client, user.email)
    answer = phone.post(
        "/orders",
        {
            "items": [{"product_id": product.id, "quantity": 1}],
            "shipping_address": {"line1": "1 Main St", "city": "Town", "country": "DE"},
        },
    )
    assert answer.status_code == 403
    error = answer.get_json()["error"]
    assert error["code"] == "email_not_verified" and "Confirm your e-mail" in error["message"]


def test_asking_for_a_new_code_is_limited_per_account(client, make_member):
    user = make_member(email_verified=False)
    phone = Phone(client, user.email)
    statuses = [phone.post("/me/email-verification").status_code for _ in range(4)]
    assert statuses == [202, 202, 202, 429]
    assert len(mail.outbox()) == 3


def test_demo_and_fixture_members_are_confirmed(client, member):
    assert Phone(client, member.email).get("/me").get_json()["email_verified"] is True
