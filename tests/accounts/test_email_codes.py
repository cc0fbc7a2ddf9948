"""E-mailed sign-in codes: 6 digits, 10 minutes, 5 tries, one live code, stored as an HMAC."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts import email_codes
from app.core.db import transaction
from app.core.errors import AccountDisabled, AuthenticationFailed
from app.extensions import db
from app.models.base import utcnow
from app.models.sign_in import EmailCode


def _issue(user, now=None) -> str:
    with transaction():
        return email_codes.issue_code(user, now=now)


def test_a_code_signs_in_once(member):
    code = _issue(member)
    assert len(code) == 6 and code.isdigit()
    stored = db.session.scalars(select(EmailCode.code_hash)).one()
    assert code not in stored
    assert email_codes.sign_in_with_code(member.email.upper(), f" {code} ").id == member.id
    with pytest.raises(AuthenticationFailed):
        email_codes.sign_in_with_code(member.email, code)


def test_asking_again_replaces_the_live_code(member):
    first = _issue(member)
    second = _issue(member)
    assert db.session.scalar(select(func.count()).select_from(EmailCode)) == 1
    if first != second:
        with pytest.raises(AuthenticationFailed):
            email_codes.sign_in_with_code(member.email, first)
    assert email_codes.sign_in_with_code(member.email, second).id == member.id


def test_a_code_expires_after_ten_minutes(member):
    issued = utcnow()
    code = _issue(member, now=issued)
    with pytest.raises(AuthenticationFailed):
        email_codes.sign_in_with_code(member.email, code, now=issued + timedelta(minutes=10))
    assert db.session.scalar(select(func.count()).select_from(EmailCode)) == 0


def test_the_fifth_wrong_try_ends_the_code(member):
    code = _issue(member)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(email_codes.MAX_ATTEMPTS):
        with pytest.raises(AuthenticationFailed):
            email_codes.sign_in_with_code(member.email, wrong)
    with pytest.raises(AuthenticationFailed):
        email_codes.sign_in_with_code(member.email, code)  # the right one, too late


def test_four_wrong_tries_still_leave_the_right_code_working(member):
    code = _issue(member)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(email_codes.MAX_ATTEMPTS - 1):
        with pytest.raises(AuthenticationFailed):
            email_codes.sign_in_with_code(member.email, wrong)
    assert email_codes.sign_in_with_code(member.email, code).id == member.id


def test_an_unknown_address_gets_the_same_refusal(member):
    with pytest.raises(AuthenticationFailed) as unknown:
        email_codes.sign_in_with_code("nobody@example.com", "123456")
    _issue(member)
    with pytest.raises(AuthenticationFailed) as wrong:
        email_codes.sign_in_with_code(member.email, "12345x")
    assert unknown.value.message == wrong.value.message


def test_a_banned_member_cannot_sign_in_with_a_code(member):
    code = _issue(member)
    member.status = "banned"
    db.session.commit()
    with pytest.raises(AccountDisabled):
        email_codes.sign_in_with_code(member.email, code)
