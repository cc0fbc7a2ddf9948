"""The account services commit their own work: a view that only calls them saves it, and a
refusal or a failure half-way leaves nothing behind."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts import accounts, tokens
from app.core.errors import ValidationFailed
from app.extensions import db
from app.models.users import RefreshToken, User
from tests.fixtures.factories import PASSWORD

PHONE = tokens.ClientInfo(device_name="Pixel", ip_address="203.0.113.9")


def users_named(email: str) -> int:
    return db.session.execute(
        select(func.count()).select_from(User).where(User.email == email)
    ).scalar_one()


def test_a_sign_in_is_recorded_without_the_caller_committing(member):
    accounts.authenticate(member.email, PASSWORD)
    db.session.rollback()  # what a view that forgot to commit would leave
    assert db.session.get(User, member.id).last_login_at is not None


def test_a_password_change_is_saved_by_the_service_and_a_wrong_one_changes_nothing(member):
    before = member.session_version
    with pytest.raises(ValidationFailed):
        accounts.change_password(member, "not-my-password", "a brand new passphrase 42")
    db.session.rollback()
    assert db.session.get(User, member.id).session_version == before

    accounts.change_password(member, PASSWORD, "a brand new passphrase 42")
    db.session.rollback()
    assert db.session.get(User, member.id).session_version == before + 1


def test_a_web_sign_up_is_committed_by_register_member(app):
    accounts.register_member(
        "walker@example.com",
        PASSWORD,
        "Wanda Walker",
        timezone="UTC",
        referral_code=None,
        signup_ip=None,
    )
    db.session.rollback()
    assert users_named("walker@example.com") == 1


def test_a_phone_sign_up_whose_tokens_fail_leaves_no_account(app, monkeypatch):
    def broken_pair(user, client):
        raise RuntimeError("signing key unavailable")

    monkeypatch.setattr(tokens, "issue_pair", broken_pair)
    with pytest.raises(RuntimeError):
        accounts.register_with_tokens(
            "phone@example.com",
            PASSWORD,
            "Phil Phone",
            timezone="UTC",
            referral_code=None,
            signup_ip=None,
            client=PHONE,
        )
    assert users_named("phone@example.com") == 0


def test_a_phone_sign_in_commits_the_sign_in_and_its_token_family(member):
    user, pair = accounts.sign_in_with_tokens(member.email, PASSWORD, PHONE)
    db.session.rollback()
    assert pair.refresh_token
    assert db.session.get(User, user.id).last_login_at is not None
    live = select(func.count()).select_from(RefreshToken).where(RefreshToken.user_id == user.id)
    assert db.session.execute(live).scalar_one() == 1
