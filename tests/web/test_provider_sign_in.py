""" "Continue with Google" on the website, end to end against the local provider: the
authorization code flow with PKCE, state and nonce (Authlib), linking and unlinking."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from app.accounts import accounts
from app.extensions import db
from app.models.sign_in import ExternalIdentity
from tests.web.conftest import Member


def _through_the_provider(client, start: str = "/login/google"):
    """Start on our site, let the provider sign `next_user` in, land on our callback."""
    going = client.get(start)
    assert going.status_code == 302, going.text
    at_provider = requests.get(going.headers["Location"], allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["Location"])
    return client.get(f"{back.path}?{back.query}")


def test_buttons_are_hidden_and_the_route_is_404_without_a_web_client(client):
    assert "Continue with Google" not in client.get("/login").text
    answer = client.get("/login/google")
    assert answer.status_code == 404 and "not set up on this server" in answer.text


def test_a_new_google_account_signs_in_with_pkce_state_and_nonce(client, fake_provider):
    fake_provider.next_user = {"sub": "g-1", "email": "gwen@gmail.com", "name": "Gwen Google"}
    assert "Continue with Google" in client.get("/login").text
    assert "Continue with Google" in client.get("/register").text

    landed = _through_the_provider(client)

    assert landed.status_code == 302 and landed.headers["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200
    (asked,) = fake_provider.token_requests
    user = accounts.find_by_email("gwen@gmail.com")
    assert user is not None and user.full_name == "Gwen Google" and user.email_verified
    assert asked["grant_type"] == "authorization_code" and len(asked["code_verifier"]) >= 43
    assert asked["authorization"].startswith("Basic ")  # the client secret, never in the URL


def test_the_authorize_request_carries_s256_state_and_nonce(client, fake_provider):
    going = client.get("/login/google")
    query = parse_qs(urlsplit(going.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == ["http://localhost/login/google/callback"]
    assert "openid" in query["scope"][0].split()


def test_a_forged_state_is_refused(client, fake_provider):
    going = client.get("/login/google")
    at_provider = requests.get(going.headers["Location"], allow_redirects=False, timeout=5)
    back = urlsplit(at_provider.headers["Location"])
    forged = back.query.replace("state=", "state=forged")
    answer = client.get(f"{back.path}?{forged}")
    assert answer.status_code == 400 and "did not complete" in answer.text
    assert client.get("/dashboard").status_code == 302


def test_an_unverified_google_email_is_refused(client, fake_provider):
    fake_provider.next_user = {"sub": "g-2", "email": "x@gmail.com", "email_verified": False}
    answer = _through_the_provider(client)
    assert answer.status_code == 400 and "has not verified this e-mail" in answer.text
    assert accounts.find_by_email("x@gmail.com") is None


def test_an_existing_member_links_google_only_after_signing_in(app, client, fake_provider, member):
    fake_provider.next_user = {"sub": "g-3", "email": member.email}
    refused = _through_the_provider(client)
    assert refused.status_code == 400 and "already exists" in refused.text
    assert db.session.scalar(select(func.count()).select_from(ExternalIdentity)) == 0

    browser = Member(app.test_client(), member)
    settings = browser.get("/settings").text
    assert 'href="/login/google"' in settings and "Link Google" in settings
    linked = _through_the_provider(browser.client)
    assert linked.headers["Location"].endswith("/settings#sign-in-methods")
    assert 'data-provider="google"' in browser.get("/settings").text

    fresh = app.test_client()
    assert _through_the_provider(fresh).headers["Location"] == "/dashboard"
    assert fresh.get("/settings").text.count(member.email) >= 1


def test_unlinking_google_from_settings(app, fake_provider, member):
    fake_provider.next_user = {"sub": "g-4", "email": member.email}
    browser = Member(app.test_client(), member)
    _through_the_provider(browser.client)
    answer = browser.post("/settings/providers/google/unlink")
    assert answer.status_code == 302
    assert 'data-provider="google"' not in browser.get("/settings").text
    assert db.session.scalar(select(func.count()).select_from(ExternalIdentity)) == 0


def test_the_last_provider_of_an_apple_relay_account_stays(app, make_member):
    from app.accounts import provider_sign_in
    from app.core.errors import Conflict

    user = make_member("abc@privaterelay.appleid.com")
    db.session.add(ExternalIdentity(user_id=user.id, provider="apple", subject="a-1"))
    db.session.commit()
    with pytest.raises(Conflict, match="only sure way to sign in"):
        provider_sign_in.unlink(user, "apple")
    assert db.session.scalar(select(func.count()).select_from(ExternalIdentity)) == 1
