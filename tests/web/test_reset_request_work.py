"""A reset request does the same work for known and unknown addresses (issue 12.6).

Speed is not asserted here; what is asserted is that the request path of both does the
same things: no bcrypt, no account lookup. The lookup and the mail happen afterwards.
"""

from __future__ import annotations

import threading

import bcrypt
import pytest

from app.accounts import accounts
from app.core import background, mail
from tests.fixtures.sign_in import csrf_from


@pytest.fixture
def work_in_request(monkeypatch):
    """Counts bcrypt calls and account lookups made on the request's own thread."""
    counts: dict[str, int] = {"bcrypt": 0, "lookup": 0}
    request_thread = threading.get_ident()

    def counting(name, original):
        def wrapper(*args, **kwargs):
            if threading.get_ident() == request_thread:
                counts[name] += 1
            return original(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(bcrypt, "checkpw", counting("bcrypt", bcrypt.checkpw))
    monkeypatch.setattr(bcrypt, "hashpw", counting("bcrypt", bcrypt.hashpw))
    monkeypatch.setattr(accounts, "find_by_email", counting("lookup", accounts.find_by_email))
    return counts


def ask_for_reset(client, email: str):
    page = client.get("/password/forgot")
    return client.post(
        "/password/forgot", data={"email": email, "csrf_token": csrf_from(page.text)}
    )


def test_known_and_unknown_addresses_do_the_same_work_in_the_request(
    app, client, member, work_in_request
):
    known = ask_for_reset(client, member.email)
    known_work = dict(work_in_request)
    work_in_request.update(bcrypt=0, lookup=0)
    unknown = ask_for_reset(app.test_client(), "nobody-here@example.com")

    assert known_work == work_in_request == {"bcrypt": 0, "lookup": 0}
    assert known.status_code == unknown.status_code == 200


def test_the_mail_is_sent_after_the_request_by_the_background_pool(app, client, member):
    ask_for_reset(client, member.email)
    ask_for_reset(client, "nobody-here@example.com")

    assert [sent.to for sent in mail.outbox()] == [member.email]


def test_a_background_failure_is_reported_when_drained(app):
    def broken() -> None:
        raise RuntimeError("mail server on fire")

    background.submit(broken)
    with pytest.raises(RuntimeError, match="on fire"):
        background.drain()
    background.drain()  # reported once


def test_draining_while_the_test_holds_a_transaction_does_not_wait_for_a_lock(app, client, member):
    ask_for_reset(client, member.email)
    assert member.full_name  # reads the member again: opens a transaction on this thread

    assert [sent.to for sent in mail.outbox()] == [member.email]
