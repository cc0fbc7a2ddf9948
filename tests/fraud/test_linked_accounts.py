"""Linked accounts (issue 13): phones shared between accounts, held referral bonuses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.coins import ledger
from app.core.db import transaction
from app.core.errors import AlreadyReviewed, ValidationFailed
from app.extensions import db
from app.fraud import linked_accounts
from app.gamification import referrals
from app.models.admin import AdminLog
from app.models.base import utcnow
from app.models.linked_accounts import ReferralHold
from app.models.notifications import Notification
from app.models.users import Referral
from app.models.wallet import CoinTransaction
from app.orders import orders
from tests.orders.test_orders import (
    add_address,
    assert_books_balance,
    balances,
    count,
    give,
    walk_to,
)


@pytest.fixture
def product(make_product):
    return make_product("Water Bottle", coin_price=500, stock_quantity=10)


def on_phone(user_id: int, device_id: str, days_ago: int = 0) -> None:
    with transaction():
        linked_accounts.record_device(user_id, device_id, utcnow() - timedelta(days=days_ago))


@pytest.fixture
def ring(make_member, product):
    """A referral between two accounts that synced from one phone; the referred can order."""
    referrer = make_member(full_name="Rita Ring")
    referred = make_member(full_name="Ned Ring", referral_code=referrer.referral_code)
    on_phone(referrer.id, "shared-phone")
    on_phone(referred.id, "shared-phone")
    give(referred.id, 5000)
    add_address(referred.id)
    return referrer, referred


def ship_first_order(referred, product, admin) -> None:
    code = orders.place_order(referred.id, [(product.id, 1)]).order_code
    walk_to(code, "shipped", admin_id=admin.id)


def test_accounts_on_one_phone_are_linked_and_others_are_not(make_member):
    one, two, stranger = make_member(), make_member(), make_member()
    on_phone(one.id, "phone-a")
    on_phone(two.id, "phone-a")
    on_phone(stranger.id, "phone-b")

    assert linked_accounts.accounts_linked(one.id, two.id)
    assert not linked_accounts.accounts_linked(one.id, stranger.id)
    [link] = linked_accounts.linked_accounts(one.id)
    assert (link.user.id, link.shared_devices, link.linked) == (two.id, ("phone-a",), True)


def test_only_recent_use_of_a_phone_counts_as_sharing_it_now(make_member):
    old_owner, new_owner = make_member(), make_member()
    on_phone(old_owner.id, "handed-down", days_ago=linked_accounts.DEVICE_LINK_DAYS + 1)

    assert linked_accounts.other_accounts_on_device(new_owner.id, "handed-down", utcnow()) == 0
    on_phone(old_owner.id, "handed-down")
    assert linked_accounts.other_accounts_on_device(new_owner.id, "handed-down", utcnow()) == 1


def test_a_shared_sign_up_address_is_shown_but_links_nobody(make_member):
    one, two = make_member(), make_member()
    with transaction():
        linked_accounts.record_signup_address(one.id, "198.51.100.7")
        linked_accounts.record_signup_address(two.id, "198.51.100.7")

    [shown] = linked_accounts.linked_accounts(one.id)

    assert (shown.user.id, shown.same_signup_address, shown.linked) == (two.id, True, False)
    assert not linked_accounts.accounts_linked(one.id, two.id)


def test_a_bonus_between_linked_accounts_is_held_not_paid(ring, product, admin):
    referrer, referred = ring

    ship_first_order(referred, product, admin)

    assert balances(referrer.id)[0] == 0
    assert count(CoinTransaction, CoinTransaction.transaction_type == "referral_bonus") == 0
    hold = db.session.execute(select(ReferralHold)).scalar_one()
    assert hold.status == "pending"
    assert hold.reasons[0]["code"] == "linked_accounts"
    assert db.session.execute(select(Referral)).scalar_one().status == "pending"
    told = db.session.execute(
        select(Notification.user_id, Notification.body).where(Notification.kind == "referral")
    ).all()
    assert {user_id for user_id, _ in told} == {referrer.id, referred.id}
    assert all("same phone" in body for _, body in told)


def test_a_second_shipment_does_not_pay_a_held_bonus(ring, product, admin):
    _, referred = ring
    ship_first_order(referred, product, admin)

    ship_first_order(referred, product, admin)

    assert count(CoinTransaction, CoinTransaction.transaction_type == "referral_bonus") == 0
    assert count(ReferralHold) == 1


def test_approving_a_held_bonus_pays_both_through_the_ledger_once(ring, product, admin):
    referrer, referred = ring
    ship_first_order(referred, product, admin)
    hold = db.session.execute(select(ReferralHold)).scalar_one()

    referrals.approve_held_bonus(hold.id, admin_id=admin.id, note="Spouses, checked.")

    assert balances(referrer.id)[0] == 500
    assert balances(referred.id)[0] == 4500 + 250
    assert_books_balance(referrer.id, referred.id)
    assert db.session.execute(select(Referral)).scalar_one().status == "converted"
    assert (
        db.session.execute(
            select(AdminLog.action).where(AdminLog.entity_type == "referral_hold")
        ).scalar_one()
        == "referral.approve_held"
    )
    with pytest.raises(AlreadyReviewed):
        referrals.approve_held_bonus(hold.id, admin_id=admin.id)
    assert count(CoinTransaction, CoinTransaction.transaction_type == "referral_bonus") == 2


def test_rejecting_a_held_bonus_needs_a_note_and_never_pays(ring, product, admin):
    _, referred = ring
    ship_first_order(referred, product, admin)
    hold = db.session.execute(select(ReferralHold)).scalar_one()

    with pytest.raises(ValidationFailed):
        referrals.reject_held_bonus(hold.id, admin_id=admin.id, note="  ")
    referrals.reject_held_bonus(hold.id, admin_id=admin.id, note="One person, two accounts.")
    ship_first_order(referred, product, admin)

    assert count(CoinTransaction, CoinTransaction.transaction_type == "referral_bonus") == 0
    assert db.session.get(ReferralHold, hold.id).status == "rejected"
    notes = db.session.execute(
        select(Notification.body).where(Notification.title == "The referral bonus was not paid")
    ).scalars()
    assert list(notes) == ["One person, two accounts."] * 2


def test_friends_on_their_own_phones_are_paid_at_once(make_member, product, admin):
    referrer = make_member()
    referred = make_member(referral_code=referrer.referral_code)
    on_phone(referrer.id, "phone-1")
    on_phone(referred.id, "phone-2")
    give(referred.id, 5000)
    add_address(referred.id)

    ship_first_order(referred, product, admin)

    assert balances(referrer.id)[0] == 500
    assert count(ReferralHold) == 0
    assert ledger.ledger_totals(referred.id).available == 4500 + 250
