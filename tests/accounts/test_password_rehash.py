"""A member's password hash follows BCRYPT_ROUNDS at their next sign-in."""

from __future__ import annotations

import pytest

from app.accounts import accounts
from app.accounts.passwords import hash_cost, needs_rehash
from app.core.errors import AuthenticationFailed
from app.extensions import db
from tests.fixtures.factories import PASSWORD


def test_sign_in_rehashes_a_password_made_at_another_cost(app, make_member):
    member = make_member()
    assert hash_cost(member.password_hash) == 4  # the tests' cost
    app.config["BCRYPT_ROUNDS"] = 5
    assert needs_rehash(member.password_hash)

    accounts.authenticate(member.email, PASSWORD)
    db.session.commit()

    assert hash_cost(member.password_hash) == 5
    assert not needs_rehash(member.password_hash)
    # The new hash is of the same password, and no session was ended by it.
    assert accounts.authenticate(member.email, PASSWORD).id == member.id


def test_a_wrong_password_never_rehashes(app, make_member):
    member = make_member()
    before = member.password_hash
    app.config["BCRYPT_ROUNDS"] = 5
    with pytest.raises(AuthenticationFailed):
        accounts.authenticate(member.email, "not-the-password-1")
    assert member.password_hash == before


def test_bench_bcrypt_recommends_a_cost_at_or_above_the_floor(runner):
    result = runner.invoke(args=["bench", "bcrypt", "--tries", "1"])
    assert result.exit_code == 0, result.output
    assert "cost 10:" in result.output
    recommended = int(result.output.split("BCRYPT_ROUNDS=")[1].split()[0])
    assert recommended >= 10
