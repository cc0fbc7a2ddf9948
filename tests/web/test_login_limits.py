"""Per-account sign-in limits keyed on the normalised address (issue 12.3 and 12.4)."""

from __future__ import annotations

import itertools

from app.accounts import accounts
from app.core import mail
from tests.fixtures.factories import PASSWORD
from tests.fixtures.sign_in import csrf_from

FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in "abcdefghijklmnopqrstuvwxyz"}


def spellings(email: str, count: int) -> list[str]:
    """Distinct ways to type one address that e-mail normalisation maps back to it."""
    local, domain = email.split("@")
    found: list[str] = []
    for mask in itertools.product((False, True), repeat=len(domain)):
        spelled = "".join(
            (FULLWIDTH.get(c, "\u3002" if c == "." else c) if wide else c)
            for c, wide in zip(domain, mask, strict=True)
        )
        found.append(f"{local.upper() if len(found) % 2 else local}@{spelled}")
        if len(found) == count:
            return found
    raise AssertionError("not enough spellings")


def web_login(client, email: str, password: str, address: str):
    page = client.get("/login", environ_base={"REMOTE_ADDR": address})
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
        environ_base={"REMOTE_ADDR": address},
    )


def test_every_spelling_normalises_to_the_one_identity(member):
    assert {accounts.email_identity(s) for s in spellings(member.email, 60)} == {member.email}


def test_forty_wrong_passwords_from_forty_addresses_lock_the_account(app, member):
    statuses = [
        web_login(app.test_client(), member.email, "wrong-password", f"10.0.0.{n}").status_code
        for n in range(40)
    ]

    assert statuses[:5] == [422] * 5
    assert set(statuses[5:]) == {429}
    right = web_login(app.test_client(), member.email, PASSWORD, "10.0.1.1")
    assert right.status_code == 429
    assert "Too many attempts to sign in to this account" in right.text
    assert int(right.headers["Retry-After"]) > 0


def test_the_web_limit_counts_other_spellings_of_the_address(app, member):
    for n, spelled in enumerate(spellings(member.email, 5)):
        assert web_login(app.test_client(), spelled, "wrong", f"10.0.2.{n}").status_code == 422

    assert web_login(app.test_client(), member.email, PASSWORD, "10.0.2.99").status_code == 429


def test_sixty_api_spellings_from_sixty_addresses_hit_the_account_limit(app, member):
    statuses = [
        app.test_client()
        .post(
            "/api/v1/auth/login",
            json={"email": spelled, "password": "wrong-password"},
            environ_base={"REMOTE_ADDR": f"10.1.0.{n}"},
        )
        .status_code
        for n, spelled in enumerate(spellings(member.email, 60))
    ]

    assert statuses[:5] == [401] * 5
    assert set(statuses[5:]) == {429}


def test_web_and_api_share_one_count_per_account(app, member):
    for n in range(3):
        web_login(app.test_client(), member.email, "wrong", f"10.2.0.{n}")
    for n in range(2):
        app.test_client().post(
            "/api/v1/auth/login",
            json={"email": member.email, "password": "wrong"},
            environ_base={"REMOTE_ADDR": f"10.2.1.{n}"},
        )

    answer = app.test_client().post(
        "/api/v1/auth/login",
        json={"email": member.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.2.2.1"},
    )
    assert answer.status_code == 429


def test_successful_sign_ins_do_not_use_up_the_account_limit(app, member):
    for n in range(8):
        assert (
            web_login(app.test_client(), member.email, PASSWORD, f"10.3.0.{n}").status_code == 302
        )


def test_reset_mails_to_one_address_are_limited_whoever_asks(app, member):
    for n in range(7):
        client = app.test_client()
        page = client.get("/password/forgot", environ_base={"REMOTE_ADDR": f"10.4.0.{n}"})
        last = client.post(
            "/password/forgot",
            data={"email": member.email, "csrf_token": csrf_from(page.text)},
            environ_base={"REMOTE_ADDR": f"10.4.0.{n}"},
        )

    assert last.status_code == 429
    assert "Too many reset e-mails" in last.text
    assert len(mail.outbox()) == 5


def test_an_oversized_email_field_gets_a_stable_key_and_no_500(app, member):
    padded = member.email + " " * 5000
    assert accounts.email_identity(padded) == member.email
    answer = web_login(app.test_client(), "x" * 100_000 + "@example.com", "wrong", "10.5.0.1")
    assert answer.status_code == 422
