""" "Continue with Apple" on the website, against the local provider: Apple answers with a
cross-site POST (form_post) that carries no Lax session cookie; the site turns it into a
same-site GET, where state, PKCE and nonce are checked as for Google."""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import jwt
import requests

from app.accounts import accounts
from tests.fixtures.oidc import APPLE_KEY_ID, APPLE_TEAM, APPLE_WEB_CLIENT
from tests.fixtures.sign_in import csrf_from
from tests.web.conftest import Member

_FIELD = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
SESSION_COOKIE = "session"


def apple_posts_back(client, start: str = "/login/apple"):
    """Start on our site, let the provider sign `next_user` in, and read the form it posts."""
    going = client.get(start)
    assert going.status_code == 302, going.text
    page = requests.get(going.headers["Location"], allow_redirects=False, timeout=5)
    assert page.status_code == 200
    action = re.search(r'action="([^"]+)"', page.text)
    assert action
    fields = {name: unescape(value) for name, value in _FIELD.findall(page.text)}
    return urlsplit(action.group(1)).path, fields


def cross_site_post(client, path: str, fields: dict[str, str]):
    """The browser's POST from Apple's page: the Lax session cookie stays behind."""
    kept = client.get_cookie(SESSION_COOKIE)
    client.delete_cookie(SESSION_COOKIE)
    assert client.get_cookie(SESSION_COOKIE) is None
    answer = client.post(path, data=fields)
    if kept is not None:
        client.set_cookie(SESSION_COOKIE, kept.value)
    return answer


def follow(client, answer):
    location = urlsplit(answer.headers["Location"])
    return client.get(f"{location.path}?{location.query}")


def test_the_apple_button_is_hidden_and_its_routes_are_404_without_its_settings(client):
    assert "Continue with Apple" not in client.get("/login").text
    assert client.get("/login/apple").status_code == 404
    assert client.post("/login/apple/callback", data={"code": "x"}).status_code == 404


def test_apple_asks_for_a_form_post_answer_with_pkce_state_and_nonce(client, apple_web):
    assert "Continue with Apple" in client.get("/login").text
    going = client.get("/login/apple")
    query = parse_qs(urlsplit(going.headers["Location"]).query)
    assert query["response_mode"] == ["form_post"] and query["client_id"] == [APPLE_WEB_CLIENT]
    assert query["code_challenge_method"] == ["S256"] and query["state"][0] and query["nonce"][0]
    assert set(query["scope"][0].split()) == {"openid", "email", "name"}


def test_a_new_apple_account_signs_in_through_the_cross_site_post(client, apple_web):
    apple_web.next_user = {"sub": "a-web-1", "email": "abc@privaterelay.appleid.com"}
    apple_web.apple_user_field = json.dumps(
        {"name": {"firstName": "Ada", "lastName": "Apple"}, "email": "abc@privaterelay.appleid.com"}
    )
    path, fields = apple_posts_back(client)
    assert path == "/login/apple/callback"

    bounced = cross_site_post(client, path, fields)
    # Without the session nothing is decided here: the answer goes on as a same-site GET.
    assert bounced.status_code == 303
    back = parse_qs(urlsplit(bounced.headers["Location"]).query)
    assert back["code"] == [fields["code"]] and back["state"] == [fields["state"]]
    assert "HttpOnly" in bounced.headers["Set-Cookie"]

    landed = follow(client, bounced)
    assert landed.status_code == 302 and landed.headers["Location"] == "/dashboard"
    user = accounts.find_by_email("abc@privaterelay.appleid.com")
    assert user is not None and user.full_name == "Ada Apple"
    assert client.get("/dashboard").status_code == 200


def test_the_token_request_carries_a_fresh_es256_client_secret_in_the_body(client, apple_web):
    apple_web.next_user = {"sub": "a-web-2", "email": "walker@icloud.com"}
    path, fields = apple_posts_back(client)
    follow(client, cross_site_post(client, path, fields))
    (asked,) = apple_web.token_requests
    assert asked["authorization"] == ""  # client_secret_post: nothing in a header
    header = jwt.get_unverified_header(asked["client_secret"])
    claims = jwt.decode(
        asked["client_secret"],
        apple_web.apple_secret_key,
        algorithms=["ES256"],
        audience="https://appleid.apple.com",
    )
    assert header["kid"] == APPLE_KEY_ID
    assert (claims["iss"], claims["sub"]) == (APPLE_TEAM, APPLE_WEB_CLIENT)
    assert claims["exp"] - claims["iat"] <= 300
    assert len(asked["code_verifier"]) >= 43


def test_a_post_with_a_forged_state_signs_no_one_in(client, apple_web):
    apple_web.next_user = {"sub": "a-web-3", "email": "mallory@icloud.com"}
    path, fields = apple_posts_back(client)
    answer = follow(client, cross_site_post(client, path, {**fields, "state": "forged"}))
    assert answer.status_code == 400 and "did not complete" in answer.text
    assert accounts.find_by_email("mallory@icloud.com") is None
    assert client.get("/dashboard").status_code == 302


def test_a_replayed_apple_answer_is_refused(client, apple_web):
    apple_web.next_user = {"sub": "a-web-4", "email": "once@icloud.com"}
    path, fields = apple_posts_back(client)
    first = follow(client, cross_site_post(client, path, fields))
    assert first.headers["Location"] == "/dashboard"
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/settings").text)})
    again = follow(client, cross_site_post(client, path, fields))
    assert again.status_code == 400


def test_a_signed_in_member_links_apple(app, apple_web, member):
    apple_web.next_user = {"sub": "a-web-5", "email": member.email}
    browser = Member(app.test_client(), member)
    path, fields = apple_posts_back(browser.client)
    linked = follow(browser.client, cross_site_post(browser.client, path, fields))
    assert linked.headers["Location"].endswith("/settings#sign-in-methods")
    assert 'data-provider="apple"' in browser.get("/settings").text
