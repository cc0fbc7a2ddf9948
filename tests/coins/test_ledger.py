"""The coin ledger, one movement at a time (SPEC §2)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.coins import ledger
from app.core.db import transaction
from app.core.errors import InsufficientCoins, InsufficientFrozenCoins, ValidationFailed
from app.extensions import db
from app.models.wallet import CoinTransaction, Wallet

DAY = date(2026, 11, 20)


def wallet_of(user_id: int) -> Wallet:
    db.session.expire_all()
    return db.session.execute(select(Wallet).where(Wallet.user_id == user_id)).scalar_one()


def assert_books_balance(user_id: int) -> None:
    wallet = wallet_of(user_id)
    totals = ledger.ledger_totals(user_id)
    assert (wallet.available_coins, wallet.frozen_coins) == (totals.available, totals.frozen)
    assert (wallet.lifetime_earned, wallet.lifetime_spent) == (totals.earned, totals.spent)


def give(user_id: int, coins: int) -> None:
    with transaction():
        ledger.award_step_coins(user_id, DAY, coins)


def test_new_member_has_an_empty_wallet(member):
    wallet = wallet_of(member.id)
    assert (wallet.available_coins, wallet.frozen_coins) == (0, 0)
    assert (wallet.lifetime_earned, wallet.lifetime_spent) == (0, 0)


def test_step_reward_credits_available_and_records_balances_after(member):
    with transaction():
        row = ledger.award_step_coins(member.id, DAY, 120)
    assert row is not None
    assert (row.amount, row.frozen_change) == (120, 0)
    assert (row.available_after, row.frozen_after) == (120, 0)
    assert row.transaction_type == "step_reward"
    assert (row.reference_type, row.reference_id) == ("step_day", "2026-11-20")
    assert wallet_of(member.id).lifetime_earned == 120
    assert_books_balance(member.id)


def test_resync_with_more_steps_awards_only_the_difference(member):
    give(member.id, 50)
    give(member.id, 80)
    rows = db.session.execute(
        select(CoinTransaction.amount).where(CoinTransaction.user_id == member.id)
    ).scalars()
    assert list(rows) == [50, 30]
    assert wallet_of(member.id).available_coins == 80


def test_resync_with_fewer_steps_claws_nothing_back(member):
    give(member.id, 80)
    with transaction():
        assert ledger.award_step_coins(member.id, DAY, 40) is None
    assert wallet_of(member.id).available_coins == 80


def test_replaying_the_same_day_total_awards_nothing(member):
    give(member.id, 80)
    with transaction():
        assert ledger.award_step_coins(member.id, DAY, 80) is None
    assert ledger.step_coins_awarded(member.id, DAY) == 80


def test_post_step_rewards_books_many_days_under_one_lock(member):
    days = {date(2026, 11, d): d * 10 for d in range(1, 8)}
    with transaction():
        ledger.award_step_coins(member.id, date(2026, 11, 3), 10)
        gained = ledger.post_step_rewards(member.id, days)
    assert gained == {**days, date(2026, 11, 3): 20}
    assert wallet_of(member.id).available_coins == sum(days.values())
    # balances-after run on in date order, after the earlier award
    afters = db.session.execute(
        select(CoinTransaction.available_after)
        .where(CoinTransaction.user_id == member.id)
        .order_by(CoinTransaction.id)
    ).scalars()
    assert list(afters) == running_totals([10, *(gained[d] for d in sorted(gained))])
    assert_books_balance(member.id)


def running_totals(values: list[int]) -> list[int]:
    total, out = 0, []
    for v in values:
        total += v
        out.append(total)
    return out


def test_achievement_reward_is_paid_once(member):
    with transaction():
        first = ledger.award_achievement(member.id, "ten_k_day", 50)
    with transaction():
        again = ledger.award_achievement(member.id, "ten_k_day", 50)
    assert first is not None and again is not None
    assert again.id == first.id
    assert wallet_of(member.id).available_coins == 50


def test_referral_bonus_is_paid_once_per_side(make_member):
    referrer, referred = make_member(), make_member()
    for _ in range(2):
        with transaction():
            ledger.award_referral_bonus(referrer.id, 7, "referrer", 500)
            ledger.award_referral_bonus(referred.id, 7, "referred", 250)
    assert wallet_of(referrer.id).available_coins == 500
    assert wallet_of(referred.id).available_coins == 250


def test_freeze_moves_coins_from_available_to_frozen(member):
    give(member.id, 300)
    with transaction():
        row = ledger.freeze_for_order(member.id, 1, "FK-2026-000001", 200)
    assert (row.amount, row.frozen_change) == (-200, 200)
    wallet = wallet_of(member.id)
    assert (wallet.available_coins, wallet.frozen_coins) == (100, 200)
    assert_books_balance(member.id)


def test_freeze_beyond_available_raises_and_changes_nothing(member):
    give(member.id, 100)
    with pytest.raises(InsufficientCoins) as excinfo, transaction():
        ledger.freeze_for_order(member.id, 1, "FK-2026-000001", 101)
    assert (excinfo.value.needed, excinfo.value.available) == (101, 100)
    wallet = wallet_of(member.id)
    assert (wallet.available_coins, wallet.frozen_coins) == (100, 0)
    count = db.session.execute(select(func.count()).select_from(CoinTransaction)).scalar_one()
    assert count == 1


def test_release_returns_frozen_coins(member):
    give(member.id, 300)
    with transaction():
        ledger.freeze_for_order(member.id, 1, "FK-2026-000001", 200)
        ledger.release_for_order(member.id, 1, "FK-2026-000001", 200)
    wallet = wallet_of(member.id)
    assert (wallet.available_coins, wallet.frozen_coins, wallet.lifetime_spent) == (300, 0, 0)
    assert_books_balance(member.id)


def test_spend_consumes_frozen_coins_and_counts_as_spent(member):
    give(member.id, 300)
    with transaction():
        ledger.freeze_for_order(member.id, 1, "FK-2026-000001", 200)
        row = ledger.spend_for_order(member.id, 1, "FK-2026-000001", 200)
    assert (row.amount, row.frozen_change) == (0, -200)
    wallet = wallet_of(member.id)
    assert (wallet.available_coins, wallet.frozen_coins, wallet.lifetime_spent) == (100, 0, 200)
    assert_books_balance(member.id)


def test_spend_without_frozen_coins_is_refused(member):
    give(member.id, 300)
    with pytest.raises(InsufficientFrozenCoins), transaction():
        ledger.spend_for_order(member.id, 1, "FK-2026-000001", 200)
    assert wallet_of(member.id).available_coins == 300


def test_refund_after_shipment_returns_coins_to_available(member):
    give(member.id, 300)
    with transaction():
        ledger.freeze_for_order(member.id, 1, "FK-2026-000001", 200)
        ledger.spend_for_order(member.id, 1, "FK-2026-000001", 200)
        row = ledger.refund_order(member.id, 1, "FK-2026-000001", 200)
    assert (row.amount, row.frozen_change) == (200, 0)
    wallet = wallet_of(member.id)
    assert (wallet.available_coins, wallet.frozen_coins, wallet.lifetime_spent) == (300, 0, 0)
    assert_books_balance(member.id)


def test_order_movements_are_once_only(member):
    give(member.id, 300)
    for _ in range(2):
        with transaction():
            ledger.freeze_for_order(member.id, 9, "FK-2026-000009", 100)
    assert wallet_of(member.id).frozen_coins == 100


def test_admin_adjustment_needs_a_reason_and_a_non_zero_amount(member, admin):
    with pytest.raises(ValidationFailed), transaction():
        ledger.adjust_by_admin(member.id, 10, "   ", admin_id=admin.id)
    with pytest.raises(ValidationFailed), transaction():
        ledger.adjust_by_admin(member.id, 0, "nothing", admin_id=admin.id)
    with transaction():
        row = ledger.adjust_by_admin(member.id, 40, "goodwill after outage", admin_id=admin.id)
    assert row.created_by_id == admin.id
    assert row.description == "Adjustment: goodwill after outage"
    with transaction():
        ledger.adjust_by_admin(member.id, -15, "duplicate sync", admin_id=admin.id)
    wallet = wallet_of(member.id)
    assert (wallet.available_coins, wallet.lifetime_earned) == (25, 40)
    assert_books_balance(member.id)


def test_admin_adjustment_cannot_take_the_balance_below_zero(member, admin):
    give(member.id, 10)
    with pytest.raises(InsufficientCoins), transaction():
        ledger.adjust_by_admin(member.id, -11, "too much", admin_id=admin.id)
    assert wallet_of(member.id).available_coins == 10


@pytest.mark.parametrize("coins", [0, -5, 2.5, True])
def test_order_amounts_must_be_positive_whole_numbers(member, coins):
    give(member.id, 100)
    with pytest.raises(ValidationFailed), transaction():
        ledger.freeze_for_order(member.id, 1, "FK-2026-000001", coins)


def test_database_refuses_update_of_a_ledger_row(member):
    give(member.id, 100)
    with pytest.raises(DBAPIError) as excinfo:
        db.session.execute(text("UPDATE coin_transactions SET amount = 1000000"))
    db.session.rollback()
    assert "append-only" in str(excinfo.value)
    assert wallet_of(member.id).available_coins == 100
    assert ledger.ledger_totals(member.id).available == 100


def test_database_refuses_delete_of_a_ledger_row(member):
    give(member.id, 100)
    with pytest.raises(DBAPIError) as excinfo:
        db.session.execute(text("DELETE FROM coin_transactions"))
    db.session.rollback()
    assert "append-only" in str(excinfo.value)
    count = db.session.execute(select(func.count()).select_from(CoinTransaction)).scalar_one()
    assert count == 1


def test_database_refuses_a_negative_wallet_balance(member):
    with pytest.raises(IntegrityError):
        db.session.execute(
            text("UPDATE wallets SET available_coins = -1 WHERE user_id = :u"), {"u": member.id}
        )
    db.session.rollback()


def test_database_refuses_a_ledger_row_with_a_negative_balance_after(member):
    wallet = wallet_of(member.id)
    with pytest.raises(IntegrityError):
        db.session.execute(
            text(
                "INSERT INTO coin_transactions (user_id, wallet_id, transaction_type, amount,"
                " frozen_change, available_after, frozen_after, description, created_at)"
                " VALUES (:u, :w, 'admin_adjustment', -5, 0, -5, 0, 'x', CURRENT_TIMESTAMP)"
            ),
            {"u": member.id, "w": wallet.id},
        )
    db.session.rollback()


def test_step_rewards_for_many_members_book_each_wallet_by_its_own_rows(make_member):
    first, second = make_member(), make_member()
    with transaction():
        ledger.award_step_coins(second.id, DAY, 30)
        gained = ledger.post_step_rewards_for_members(
            {second.id: {DAY: 50}, first.id: {DAY: 20, date(2026, 11, 21): 5}}
        )
    assert gained == {first.id: {DAY: 20, date(2026, 11, 21): 5}, second.id: {DAY: 20}}
    assert wallet_of(first.id).available_coins == 25
    assert wallet_of(second.id).available_coins == 50
    assert_books_balance(first.id)
    assert_books_balance(second.id)
