"""Passkey endpoints over HTTP: what a browser without a real authenticator is refused.
The full ceremony runs in Chromium (tests/browser/test_passkeys.py)."""

from __future__ import annotations

import json

from app.extensions import db
from app.models.sign_in import Passkey
from tests.fixtures.sign_in import csrf_from


def _post_json(client, url: str, body: dict, token: str):
    return client.post(url, json=body, headers={"X-CSRFToken": token})


def test_sign_in_options_are_a_fresh_challenge_for_this_site(client):
    token = csrf_from(client.get("/login").text)
    first = _post_json(client, "/login/passkey/options", {}, token).get_json()
    second = _post_json(client, "/login/passkey/options", {}, token).get_json()
    assert first["rpId"] == "localhost" and first["challenge"] != second["challenge"]


def test_an_unknown_or_forged_passkey_is_401(client, member):
    token = csrf_from(client.get("/login").text)
    _post_json(client, "/login/passkey/options", {}, token)
    unknown = _post_json(
        client, "/login/passkey", {"credential": {"id": "abc", "rawId": "abc"}}, token
    )
    assert unknown.status_code == 401 and unknown.get_json()["error"]["code"] == "unauthorized"

    db.session.add(
        Passkey(user_id=member.id, credential_id="abc", public_key="AAAA", name="x", sign_count=0)
    )
    db.session.commit()
    _post_json(client, "/login/passkey/options", {}, token)
    forged = _post_json(
        client,
        "/login/passkey",
        {"credential": {"id": "abc", "rawId": "abc", "type": "public-key", "response": {}}},
        token,
    )
    assert forged.status_code == 401
    assert client.get("/dashboard").status_code == 302


def test_without_the_csrf_token_the_ceremony_is_refused(client):
    answer = client.post("/login/passkey/options", json={})
    assert answer.status_code == 400


def test_registering_needs_a_signed_in_member(client, signed_in):
    anonymous = signed_in.client.application.test_client()
    assert anonymous.post("/settings/passkeys/options").status_code in {302, 400}
    options = signed_in.client.post(
        "/settings/passkeys/options", headers={"X-CSRFToken": signed_in.csrf}
    )
    body = json.loads(options.text)
    assert body["user"]["name"] == signed_in.user.email
    assert body["authenticatorSelection"]["residentKey"] == "required"
    bad = signed_in.client.post(
        "/settings/passkeys",
        json={"credential": {"id": "x"}, "name": "Mine"},
        headers={"X-CSRFToken": signed_in.csrf},
    )
    assert (
        bad.status_code == 422 and "could not be registered" in bad.get_json()["error"]["message"]
    )
