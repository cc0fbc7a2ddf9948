"""New passwords are checked as NIST SP 800-63B asks (issue 12.10)."""

from __future__ import annotations

import pytest

from app.accounts import accounts
from app.accounts.passwords import password_problem, verify_password
from app.core.errors import ValidationFailed

DEMO_AND_TEST_PASSWORDS = [
    "fitkart-demo",
    "fitkart-admin",
    "correct-horse-battery",
    "walk-more-2026",
]


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("12345678", "common passwords"),
        ("password", "common passwords"),
        ("P@ssw0rd", "common passwords"),
        ("qwertyuiop", "common passwords"),
        ("\u200b" * 8, "invisible"),
        ("\u200b\u200c\u200d\ufeff" * 4, "invisible"),
        ("abc\u200b\u200b\u200b\u200b\u200b", "at least 8"),
        ("aaaaaaaaaaaa", "easy to guess"),
        ("mia.walker@example.com", "e-mail address or your name"),
        ("MIA.WALKER@EXAMPLE.COM", "e-mail address or your name"),
        ("mia.walker", "e-mail address or your name"),
        ("Mia  Walker", "e-mail address or your name"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(app, password, says):
    problem = password_problem(password, email="mia.walker@example.com", full_name="Mia Walker")
    assert problem is not None and says in problem


def test_nfkc_normalises_first_so_a_fullwidth_common_password_is_still_common(app):
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in "password")
    assert "common passwords" in password_problem(fullwidth)


@pytest.mark.parametrize("password", DEMO_AND_TEST_PASSWORDS)
def test_the_demo_and_fixture_passwords_still_pass(app, password):
    assert (
        password_problem(password, email="member1@demo.fitkart.example", full_name="Ann Lee")
        is None
    )


def test_a_password_with_an_invisible_character_is_kept_as_typed(app):
    typed = "trombone\u200bvelvet-lantern"
    user = accounts.create_user("zw@example.com", typed, "Zed Walker")

    assert verify_password(typed, user.password_hash)
    assert not verify_password("trombonevelvet-lantern", user.password_hash)


def test_a_password_typed_in_another_unicode_form_signs_in(app):
    composed = "caf\u00e9-trombone-lantern"
    user = accounts.create_user("nf@example.com", composed, "Nora Form")

    decomposed = "cafe\u0301-trombone-lantern"
    assert accounts.authenticate("nf@example.com", decomposed).id == user.id


def test_an_old_hash_of_an_unnormalised_password_still_verifies(app):
    from app.accounts import passwords

    typed = "".join(chr(ord(c) + 0xFEE0) for c in "fullwidth") + "-lantern-walk"
    assert passwords.normalise_password(typed) != typed
    old_hash = passwords.bcrypt.hashpw(
        passwords._prehash(typed), passwords.bcrypt.gensalt(rounds=4)
    ).decode()
    assert verify_password(typed, old_hash)


def test_change_and_reset_check_against_the_members_own_details(app, member):
    with pytest.raises(ValidationFailed) as raised:
        accounts.change_password(member, "correct-horse-battery", member.email)
    assert raised.value.details == [{"field": "password"}]
    assert "e-mail" in raised.value.message
