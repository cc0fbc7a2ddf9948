"""/login offers "e-mail me a code": the same page for any address, a code from the mail
signs in, admins still pass their second factor, limits per address and per IP."""

from __future__ import annotations

import re

from app.core import mail
from tests.fixtures.sign_in import csrf_from


def _ask(client, email: str, **headers):
    page = client.get("/login/code")
    return client.post(
        "/login/code",
        data={"email": email, "csrf_token": csrf_from(page.text)},
        headers=headers,
    )


def _code_from_mail(email: str) -> str:
    sent = [m for m in mail.outbox() if m.to == email]
    assert sent, "no mail"
    return re.search(r"code is (\d{6})", sent[-1].body).group(1)


def test_the_login_page_links_to_the_code_sign_in(client):
    assert 'href="/login/code"' in client.get("/login").text


def test_a_mailed_code_signs_a_member_in(client, member):
    answer = _ask(client, member.email)
    assert answer.status_code == 200 and "Check your e-mail" in answer.text
    code = _code_from_mail(member.email)
    signed = client.post(
        "/login/code/verify",
        data={"email": member.email, "code": code, "csrf_token": csrf_from(answer.text)},
    )
    assert signed.status_code == 302 and signed.headers["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200


def test_the_answer_is_the_same_whether_or_not_the_address_exists(client, member):
    known = _ask(client, member.email).text.replace(member.email, "ADDRESS")
    unknown = _ask(client, "nobody@example.com").text.replace("nobody@example.com", "ADDRESS")
    strip = re.compile(r'(csrf-token" content|name="csrf_token" type="hidden" value)="[^"]+"')
    assert strip.sub("", known) == strip.sub("", unknown)
    assert [m.to for m in mail.outbox()] == [member.email]


def test_a_wrong_code_is_a_form_error(client, member):
    page = _ask(client, member.email)
    answer = client.post(
        "/login/code/verify",
        data={"email": member.email, "code": "99999x", "csrf_token": csrf_from(page.text)},
    )
    assert answer.status_code == 422 and "not right or has expired" in answer.text
    assert client.get("/dashboard").status_code == 302


def test_an_admin_signing_in_by_code_still_types_the_authenticator_code(client, admin):
    page = _ask(client, admin.email)
    signed = client.post(
        "/login/code/verify",
        data={
            "email": admin.email,
            "code": _code_from_mail(admin.email),
            "csrf_token": csrf_from(page.text),
        },
    )
    assert "/account/second-factor" in signed.headers["Location"]
    assert "/account/second-factor" in client.get("/admin").headers["Location"]


def test_codes_for_one_address_are_limited_whatever_its_spelling(client, member):
    spellings = [member.email, member.email.upper()]
    statuses = [_ask(client, email).status_code for email in spellings * 2]
    assert statuses == [200, 200, 200, 429]
    assert "Too many codes were asked for this address" in _ask(client, member.email).text
    assert len(mail.outbox()) == 3


def test_codes_are_limited_per_network(client):
    statuses = [_ask(client, f"walker{n}@example.com").status_code for n in range(11)]
    assert statuses == [200] * 10 + [429]
