"""POST /api/v1/auth/oauth/google and /apple against a local provider (keys and JWKS of
the tests' own): good tokens sign in, every bad one is refused with the SPEC error shape."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from app.accounts import accounts
from app.extensions import db
from app.models.sign_in import ExternalIdentity
from tests.fixtures.oidc import FakeProvider, new_key
from tests.fixtures.sign_in import Phone


def _sign_in(client, provider: str, id_token: str, **fields):
    return client.post(f"/api/v1/auth/oauth/{provider}", json={"id_token": id_token, **fields})


def _error(answer) -> str:
    return answer.get_json()["error"]["code"]


def test_a_new_google_account_is_201_and_a_known_one_200(client, fake_provider: FakeProvider):
    first = _sign_in(client, "google", fake_provider.token(name="Gia Google"))
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["user"]["email"] == "walker@gmail.com" and body["user"]["full_name"] == "Gia Google"
    assert body["user"]["email_verified"] is True and body["token_type"] == "Bearer"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200

    again = _sign_in(client, "google", fake_provider.token())
    assert again.status_code == 200 and again.get_json()["user"]["id"] == body["user"]["id"]
    assert db.session.scalar(select(func.count()).select_from(ExternalIdentity)) == 1


def test_a_token_signed_by_another_key_is_refused(client, fake_provider: FakeProvider):
    forged = fake_provider.token(key=new_key("key-1"))  # same kid, wrong private key
    answer = _sign_in(client, "google", forged)
    assert answer.status_code == 401 and _error(answer) == "invalid_id_token"


def test_a_token_for_another_app_is_refused(client, fake_provider: FakeProvider):
    answer = _sign_in(client, "google", fake_provider.token(audience="someone-else"))
    assert answer.status_code == 401 and "not issued for this app" in answer.text
    other_issuer = fake_provider.token("apple")  # Apple's issuer sent to the Google door
    assert _sign_in(client, "google", other_issuer).status_code == 401


def test_an_expired_token_is_refused(client, fake_provider: FakeProvider):
    answer = _sign_in(client, "google", fake_provider.token(expires_in=-120))
    assert answer.status_code == 401 and "expired" in answer.get_json()["error"]["message"]


def test_a_replayed_nonce_is_refused(client, fake_provider: FakeProvider):
    nonce = uuid.uuid4().hex
    token = fake_provider.token(nonce=nonce)
    assert _sign_in(client, "google", token, nonce=nonce).status_code == 201
    replay = _sign_in(client, "google", token, nonce=nonce)
    assert replay.status_code == 401 and "already used" in replay.text
    wrong = _sign_in(client, "google", fake_provider.token(nonce="n-1"), nonce="n-2")
    assert wrong.status_code == 401 and "nonce does not match" in wrong.text


def test_an_unverified_email_is_refused(client, fake_provider: FakeProvider):
    answer = _sign_in(client, "google", fake_provider.token(email_verified=False))
    assert answer.status_code == 403 and _error(answer) == "provider_email_unverified"
    assert accounts.find_by_email("walker@gmail.com") is None


def test_an_unknown_kid_refetches_the_keys_so_rotation_works(client, fake_provider):
    assert _sign_in(client, "google", fake_provider.token()).status_code == 201
    assert _sign_in(client, "google", fake_provider.token()).status_code == 200
    assert fake_provider.fetches == 1  # cached between requests

    rotated = new_key("key-2")
    fake_provider.published = [rotated]
    assert _sign_in(client, "google", fake_provider.token(key=rotated)).status_code == 200
    assert fake_provider.fetches == 2
    unknown = _sign_in(client, "google", fake_provider.token(key=new_key("key-3")))
    assert unknown.status_code == 401 and "unknown key" in unknown.text


def test_apple_private_relay_and_the_name_given_only_once(client, fake_provider):
    relay = "x7kq2m@privaterelay.appleid.com"
    token = fake_provider.token("apple", sub="001234.abcd", email=relay, email_verified="true")
    first = _sign_in(client, "apple", token, full_name="Ana Apple")
    assert first.status_code == 201
    assert first.get_json()["user"]["full_name"] == "Ana Apple"
    assert first.get_json()["user"]["email"] == relay
    # Later sign-ins carry no name (and may carry no e-mail): the account stays as it was.
    later = fake_provider.token("apple", sub="001234.abcd", email=None)
    again = _sign_in(client, "apple", later)
    assert again.status_code == 200 and again.get_json()["user"]["full_name"] == "Ana Apple"


def test_a_new_apple_account_without_an_email_is_422(client, fake_provider):
    answer = _sign_in(client, "apple", fake_provider.token("apple", sub="009.z", email=None))
    assert answer.status_code == 422


def test_an_existing_email_must_sign_in_first_then_link(client, fake_provider, member):
    token = fake_provider.token(email=member.email)
    refused = _sign_in(client, "google", token)
    assert refused.status_code == 409 and _error(refused) == "account_exists"

    phone = Phone(client, member.email)
    linked = phone.post(
        "/me/providers/google", {"id_token": fake_provider.token(email=member.email)}
    )
    assert linked.status_code == 201, linked.get_json()
    assert linked.get_json()["provider"] == "google"
    signed = _sign_in(client, "google", fake_provider.token(email=member.email))
    assert signed.status_code == 200 and signed.get_json()["user"]["id"] == member.id


def test_one_provider_account_links_to_one_member(client, fake_provider, make_member):
    first, second = make_member(), make_member()
    token = fake_provider.token(sub="shared")
    assert (
        Phone(client, first.email).post("/me/providers/google", {"id_token": token}).status_code
        == 201
    )
    taken = Phone(client, second.email).post(
        "/me/providers/google", {"id_token": fake_provider.token(sub="shared")}
    )
    assert taken.status_code == 409


def test_a_banned_member_cannot_sign_in_with_google(client, fake_provider):
    assert _sign_in(client, "google", fake_provider.token()).status_code == 201
    user = accounts.find_by_email("walker@gmail.com")
    user.status = "banned"
    db.session.commit()
    assert _sign_in(client, "google", fake_provider.token()).status_code == 403


@pytest.mark.parametrize("provider", ["google", "apple"])
def test_without_client_ids_the_endpoints_answer_404(client, provider):
    answer = _sign_in(client, provider, "x.y.z")
    assert answer.status_code == 404 and _error(answer) == "provider_not_configured"
    assert "not set up on this server" in answer.get_json()["error"]["message"]


def test_garbage_tokens_are_401_not_500(client, fake_provider):
    for garbage in ("not-a-jwt", "a.b.c", "eyJhbGciOiJub25lIn0.e30."):
        assert _sign_in(client, "google", garbage).status_code == 401
