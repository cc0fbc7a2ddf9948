"""Accounts, referrals and passwords: registration, credentials, the session loader."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.accounts import accounts
from app.accounts.accounts import REFERRAL_ALPHABET
from app.accounts.passwords import hash_password, verify_password
from app.core.db import transaction
from app.core.errors import AuthenticationFailed, Conflict, DomainError, ValidationFailed
from app.extensions import db
from app.gamification import referrals
from app.models.users import Referral, RefreshToken, User
from app.models.wallet import Wallet
from tests.fixtures.factories import PASSWORD


def fields_of(error: ValidationFailed) -> set[str]:
    return {detail["field"] for detail in error.details}


def register(email: str = "new@example.com", **kwargs) -> User:
    kwargs.setdefault("password", PASSWORD)
    kwargs.setdefault("full_name", "New Walker")
    user = accounts.create_user(email, kwargs.pop("password"), kwargs.pop("full_name"), **kwargs)
    db.session.commit()
    return user


def count(model: type, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


# --- create_user -------------------------------------------------------------------------------


def test_create_user_lowercases_and_trims_the_email(app):
    user = register("  Mia.Walker@Example.COM ")

    assert user.email == "mia.walker@example.com"
    assert accounts.find_by_email("MIA.WALKER@example.com").id == user.id


def test_create_user_opens_an_empty_wallet_and_stores_a_hash_not_the_password(app):
    user = register(full_name="  Mia   Walker ", timezone="Europe/Berlin")

    wallet = db.session.execute(select(Wallet).where(Wallet.user_id == user.id)).scalar_one()
    assert (wallet.available_coins, wallet.frozen_coins) == (0, 0)
    assert user.full_name == "Mia Walker"
    assert user.timezone == "Europe/Berlin"
    assert (user.role, user.status, user.session_version) == ("member", "active", 1)
    assert PASSWORD not in user.password_hash
    assert verify_password(PASSWORD, user.password_hash)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "mia@"}, "email"),
        ({"email": ""}, "email"),
        ({"password": "short"}, "password"),
        ({"password": "1234567"}, "password"),
        ({"password": " " * 12}, "password"),
        ({"password": "x" * 257}, "password"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone": "utc+2"}, "timezone"),
        ({"full_name": ""}, "full_name"),
        ({"full_name": "   "}, "full_name"),
        ({"full_name": "N" * 121}, "full_name"),
        ({"role": "superuser"}, "role"),
    ],
)
def test_create_user_rejects_bad_input_naming_the_field(app, overrides, field):
    values = {"email": "ok@example.com", "password": PASSWORD, "full_name": "Ok Walker"}
    values.update(overrides)
    email, password, full_name = (values.pop(k) for k in ("email", "password", "full_name"))

    with pytest.raises(ValidationFailed) as raised:
        accounts.create_user(email, password, full_name, **values)

    assert fields_of(raised.value) == {field}
    assert raised.value.message == raised.value.details[0]["message"]
    db.session.rollback()
    assert count(User) == 0


def test_create_user_names_every_bad_field_at_once(app):
    with pytest.raises(ValidationFailed) as raised:
        accounts.create_user("nope", "short", " ", timezone="Nowhere/Town")

    assert fields_of(raised.value) == {"email", "password", "full_name", "timezone"}
    assert all(detail["message"] for detail in raised.value.details)


def test_exactly_eight_characters_is_a_long_enough_password(app):
    user = register(password="8chars!!")

    assert verify_password("8chars!!", user.password_hash)


def test_a_missing_timezone_defaults_to_utc(app):
    assert register(timezone=None).timezone == "UTC"


def test_a_duplicate_email_is_a_conflict_whatever_its_case(app):
    register("mia@example.com")

    with pytest.raises(Conflict) as raised:
        accounts.create_user("MIA@Example.com", PASSWORD, "Other Mia")

    assert fields_of(raised.value) == {"email"}
    db.session.rollback()
    assert count(User) == 1


def test_concurrent_registrations_of_one_email_give_one_account_and_conflicts(app: Flask):
    outcomes: list[str] = []
    start = threading.Barrier(6)

    def register_in_thread(index: int) -> None:
        with app.app_context():
            start.wait()
            try:
                with transaction():
                    accounts.create_user("race@example.com", PASSWORD, f"Racer {index}")
                outcomes.append("created")
            except Conflict:
                outcomes.append("conflict")
            except Exception as exc:  # anything else is the failure this test looks for
                outcomes.append(type(exc).__name__)
            db.session.remove()

    # The test's own session must not hold SQLite's write lock while the threads run.
    db.session.rollback()
    threads = [threading.Thread(target=register_in_thread, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(outcomes) == ["conflict"] * 5 + ["created"]
    assert count(User) == 1


def test_referral_code_is_eight_characters_from_the_alphabet(app):
    users = [register(f"walker{i}@example.com") for i in range(25)]

    codes = [u.referral_code for u in users]
    assert all(len(code) == 8 for code in codes)
    assert all(set(code) <= set(REFERRAL_ALPHABET) for code in codes)
    assert len(set(codes)) == len(codes)
    # Easily confused characters are left out of the alphabet.
    assert not set("01IO") & set(REFERRAL_ALPHABET)


def test_a_new_referral_code_is_never_one_already_taken(app, monkeypatch):
    taken = register("first@example.com").referral_code
    fresh = "ABCDEFGH" if taken != "ABCDEFGH" else "HGFEDCBA"
    draws = iter(taken + fresh)
    monkeypatch.setattr(accounts.secrets, "choice", lambda _alphabet: next(draws))

    assert accounts.new_referral_code() == fresh


# --- referrals at registration -------------------------------------------------------------------


def test_registering_with_a_referral_code_links_the_two_members(member):
    friend = register(referral_code=member.referral_code)

    assert friend.referred_by_id == member.id
    referral = db.session.execute(select(Referral)).scalar_one()
    assert (referral.referrer_id, referral.referred_id) == (member.id, friend.id)
    assert (referral.code_used, referral.status) == (member.referral_code, "pending")


def test_a_referral_code_is_accepted_in_lower_case_with_spaces(member):
    friend = register(referral_code=f"  {member.referral_code.lower()} ")

    assert friend.referred_by_id == member.id


# "0" is not in the alphabet, so "ZZZZZZZ0" can never be a real code.
@pytest.mark.parametrize("code", ["ZZZZZZZ0", "SHORT", "WAYTOOLONGCODE"])
def test_an_unknown_referral_code_is_refused(member, code):
    with pytest.raises(ValidationFailed) as raised:
        accounts.create_user("new@example.com", PASSWORD, "New Walker", referral_code=code)

    assert fields_of(raised.value) == {"referral_code"}
    db.session.rollback()
    assert accounts.find_by_email("new@example.com") is None
    assert count(Referral) == 0


def test_a_deleted_members_code_is_unknown(member):
    member.deleted_at = datetime.now(UTC)
    db.session.commit()

    with pytest.raises(ValidationFailed) as raised:
        accounts.create_user(
            "new@example.com", PASSWORD, "New Walker", referral_code=member.referral_code
        )

    assert fields_of(raised.value) == {"referral_code"}


def test_a_member_cannot_refer_themselves(member):
    with pytest.raises(ValidationFailed):
        referrals.link(member, member)
    db.session.rollback()
    assert count(Referral) == 0


def test_a_referral_loop_is_refused(make_member):
    first = make_member()
    second = make_member(referral_code=first.referral_code)
    third = make_member(referral_code=second.referral_code)

    # `first` was never referred; linking them to `third` would close first→second→third→first.
    with pytest.raises(ValidationFailed, match="loop"):
        referrals.link(third, first)
    db.session.rollback()
    assert db.session.get(User, first.id).referred_by_id is None
    assert count(Referral) == 2


# --- authenticate ------------------------------------------------------------------------------


def test_authenticate_returns_the_member_and_records_the_login(member):
    user = accounts.authenticate("  " + member.email.upper(), PASSWORD)

    assert user.id == member.id
    assert user.last_login_at is not None


def test_wrong_password_and_unknown_email_give_the_same_answer(member):
    with pytest.raises(AuthenticationFailed) as wrong_password:
        accounts.authenticate(member.email, "not-the-password")
    with pytest.raises(AuthenticationFailed) as unknown_email:
        accounts.authenticate("nobody@example.com", PASSWORD)
    with pytest.raises(AuthenticationFailed) as malformed_email:
        accounts.authenticate("not an email", PASSWORD)

    assert wrong_password.value.message == unknown_email.value.message
    assert malformed_email.value.message == unknown_email.value.message
    assert wrong_password.value.status == unknown_email.value.status == 401


@pytest.mark.parametrize("status", ["banned", "deactivated"])
def test_banned_or_deactivated_members_cannot_authenticate(member, status):
    member.status = status
    db.session.commit()

    # Refused with a typed domain error (401 or 403), never a login.
    with pytest.raises(DomainError) as right_password:
        accounts.authenticate(member.email, PASSWORD)
    with pytest.raises(AuthenticationFailed) as wrong_password:
        accounts.authenticate(member.email, "not-the-password")

    assert status in right_password.value.message
    assert right_password.value.status in (401, 403)
    db.session.expire_all()
    assert db.session.get(User, member.id).last_login_at is None
    # Without the right password nobody learns the account's state.
    assert status not in wrong_password.value.message


def test_a_deleted_member_cannot_authenticate(member):
    member.deleted_at = datetime.now(UTC)
    db.session.commit()

    with pytest.raises(AuthenticationFailed):
        accounts.authenticate(member.email, PASSWORD)


# --- passwords and sessions --------------------------------------------------------------------


def test_set_password_bumps_the_session_version_and_ends_old_sessions(member):
    old_session = member.get_id()
    assert old_session == f"{member.id}:1"
    assert accounts.load_user_for_session(old_session).id == member.id

    accounts.set_password(member, "a-brand-new-password")
    db.session.commit()

    assert member.session_version == 2
    assert accounts.load_user_for_session(old_session) is None
    assert accounts.load_user_for_session(f"{member.id}:2").id == member.id
    assert accounts.authenticate(member.email, "a-brand-new-password").id == member.id
    with pytest.raises(AuthenticationFailed):
        accounts.authenticate(member.email, PASSWORD)


def test_set_password_revokes_every_refresh_token(member):
    db.session.add(
        RefreshToken(
            user_id=member.id,
            token_hash="a" * 64,
            family_id="family-1",
            expires_at=datetime.now(UTC) + timedelta(days=30),
        )
    )
    db.session.commit()

    accounts.set_password(member, "a-brand-new-password")
    db.session.commit()

    token = db.session.execute(select(RefreshToken)).scalar_one()
    assert token.revoked_at is not None
    assert token.revoked_reason == "password_changed"


def test_set_password_refuses_a_short_password_and_keeps_the_session(member):
    with pytest.raises(ValidationFailed) as raised:
        accounts.set_password(member, "short")

    assert fields_of(raised.value) == {"password"}
    assert member.session_version == 1
    assert accounts.load_user_for_session(f"{member.id}:1") is not None


def test_change_password_needs_the_current_password(member):
    with pytest.raises(ValidationFailed) as raised:
        accounts.change_password(member, "wrong-current", "a-brand-new-password")

    assert fields_of(raised.value) == {"current_password"}
    assert member.session_version == 1

    accounts.change_password(member, PASSWORD, "a-brand-new-password")
    assert member.session_version == 2


@pytest.mark.parametrize("session_id", ["", "abc", "1", "1:", ":1", "1:x", "x:1", "999:1"])
def test_session_loader_rejects_malformed_or_unknown_ids(member, session_id):
    assert accounts.load_user_for_session(session_id) is None


@pytest.mark.parametrize("status", ["banned", "deactivated"])
def test_session_loader_rejects_members_who_are_no_longer_active(member, status):
    session_id = member.get_id()
    member.status = status
    db.session.commit()

    assert accounts.load_user_for_session(session_id) is None


def test_passwords_longer_than_72_bytes_still_differ_after_byte_72(app):
    shared = "w" * 80
    stored = hash_password(shared + "-one")

    assert verify_password(shared + "-one", stored)
    assert not verify_password(shared + "-two", stored)
    assert not verify_password(shared, stored)


def test_long_multibyte_passwords_are_told_apart(app):
    # 30 four-byte characters are 120 bytes: well past bcrypt's 72.
    shared = "".join(chr(0x1F600 + (n * 7) % 30) for n in range(30))
    user = register(password=shared + "a")

    assert accounts.authenticate(user.email, shared + "a").id == user.id
    with pytest.raises(AuthenticationFailed):
        accounts.authenticate(user.email, shared + "b")


def test_a_corrupt_password_hash_fails_verification_instead_of_crashing(app):
    assert verify_password(PASSWORD, "not-a-bcrypt-hash") is False
