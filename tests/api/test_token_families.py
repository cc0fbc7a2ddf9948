"""Access tokens live only as long as their login's token family; a retried refresh within
the grace window is not taken for theft (issue 12.11)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.users import RefreshToken
from tests.fixtures.sign_in import Phone
from tests.web.conftest import Member


def me(client, access_token: str) -> int:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {access_token}"}).status_code


def refresh(client, refresh_token: str):
    return client.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})


def family_revoked(family_id: str) -> bool:
    db.session.expire_all()
    rows = db.session.execute(
        select(RefreshToken).where(RefreshToken.family_id == family_id)
    ).scalars()
    return all(row.revoked_at is not None for row in rows)


def test_an_access_token_stops_working_when_its_login_logs_out(client, member):
    phone, other_phone = Phone(client, member.email), Phone(client, member.email)
    assert me(client, phone.tokens["access_token"]) == 200

    client.post("/api/v1/auth/logout", json={"refresh_token": phone.tokens["refresh_token"]})

    assert me(client, phone.tokens["access_token"]) == 401
    assert me(client, other_phone.tokens["access_token"]) == 200


def test_reuse_detection_ends_the_access_tokens_of_the_family_too(client, member, token_clock):
    phone = Phone(client, member.email)
    stolen = phone.tokens["refresh_token"]
    fresh = refresh(client, stolen).get_json()
    token_clock.advance(seconds=31)

    assert refresh(client, stolen).status_code == 401
    assert me(client, phone.tokens["access_token"]) == 401
    assert me(client, fresh["access_token"]) == 401


def test_signing_out_of_the_website_leaves_the_phone_signed_in(client, app, member):
    phone = Phone(client, member.email)
    browser = Member(app.test_client(), member)
    browser.post("/logout")

    assert me(client, phone.tokens["access_token"]) == 200


def test_a_refresh_retried_within_the_grace_window_gets_a_pair_of_the_same_family(
    client, member, token_clock
):
    phone = Phone(client, member.email)
    first = refresh(client, phone.tokens["refresh_token"])
    token_clock.advance(seconds=10)
    retries = [refresh(client, phone.tokens["refresh_token"]) for _ in range(9)]

    answers = [first, *retries]
    assert [a.status_code for a in answers] == [200] * 10
    for answer in answers:
        pair = answer.get_json()
        assert me(client, pair["access_token"]) == 200
        assert refresh(client, pair["refresh_token"]).status_code == 200
    family = db.session.execute(
        select(RefreshToken.family_id).where(RefreshToken.user_id == member.id)
    ).scalars()
    assert len(set(family)) == 1


def test_a_refresh_retried_after_the_grace_window_revokes_the_family(client, member, token_clock):
    phone = Phone(client, member.email)
    refresh(client, phone.tokens["refresh_token"])
    token_clock.advance(seconds=31)

    assert refresh(client, phone.tokens["refresh_token"]).status_code == 401
    (family_id,) = set(
        db.session.execute(
            select(RefreshToken.family_id).where(RefreshToken.user_id == member.id)
        ).scalars()
    )
    assert family_revoked(family_id)


def test_a_retry_of_a_revoked_token_is_refused_even_within_the_window(client, member):
    phone = Phone(client, member.email)
    refresh(client, phone.tokens["refresh_token"])
    client.post("/api/v1/auth/logout", json={"refresh_token": phone.tokens["refresh_token"]})

    assert refresh(client, phone.tokens["refresh_token"]).status_code == 401


@pytest.mark.postgres_only
def test_ten_simultaneous_refreshes_of_one_token_keep_the_member_signed_in(app, member):
    phone = Phone(app.test_client(), member.email)
    raw = phone.tokens["refresh_token"]
    answers: list = [None] * 10
    errors: list[BaseException] = []
    barrier = threading.Barrier(10)

    def run(index: int) -> None:
        try:
            client = app.test_client()
            barrier.wait()
            answers[index] = refresh(client, raw)
        except BaseException as exc:
            errors.append(exc)

    db.session.rollback()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert [a.status_code for a in answers] == [200] * 10
    client = app.test_client()
    assert all(me(client, a.get_json()["access_token"]) == 200 for a in answers)
    (family_id,) = set(
        db.session.execute(
            select(RefreshToken.family_id).where(RefreshToken.user_id == member.id)
        ).scalars()
    )
    assert not family_revoked(family_id)


def test_a_password_change_ends_the_phones_access_tokens(client, member):
    from app.accounts import accounts

    phone = Phone(client, member.email)
    accounts.change_password(member, "correct-horse-battery", "a-brand-new-lantern")
    db.session.commit()

    assert me(client, phone.tokens["access_token"]) == 401
