"""Achievements (SPEC §4): progress before unlock, unlocked and paid once, safe to re-run."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.coins import ledger
from app.core.db import transaction
from app.extensions import db
from app.gamification.achievements import (
    MemberFacts,
    criteria_fraction,
    evaluate,
    member_facts,
    progress_for,
)
from app.models.catalog import RewardProduct
from app.models.gamification import Achievement, UserAchievement
from app.models.notifications import Notification
from app.models.steps import StepRecord
from app.models.users import User
from app.models.wallet import CoinTransaction, Wallet
from app.orders import orders

MONDAY = date(2026, 11, 2)
NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def facts(**values: int) -> MemberFacts:
    base = dict.fromkeys(
        ("total_steps", "daily_steps", "streak_days", "orders_count", "referrals_count"), 0
    )
    return MemberFacts(**{**base, **values})


def walk(
    user_id: int, day: date, steps: int, *, source: str = "google_fit", status: str = "verified"
) -> None:
    db.session.add(
        StepRecord(user_id=user_id, recorded_date=day, source=source, steps=steps, status=status)
    )
    db.session.commit()


def walk_days(user_id: int, first: date, steps: list[int]) -> None:
    for offset, count in enumerate(steps):
        walk(user_id, first + timedelta(days=offset), count)


def wallet_of(user_id: int) -> Wallet:
    db.session.expire_all()
    return db.session.execute(select(Wallet).where(Wallet.user_id == user_id)).scalar_one()


def assert_books_balance(user_id: int) -> None:
    wallet = wallet_of(user_id)
    totals = ledger.ledger_totals(user_id)
    assert (wallet.available_coins, wallet.frozen_coins) == (totals.available, totals.frozen)
    assert (wallet.lifetime_earned, wallet.lifetime_spent) == (totals.earned, totals.spent)


def run_evaluation(user_id: int) -> list[str]:
    """The nightly job's unit of work: evaluate, then commit."""
    with transaction():
        unlocked = evaluate(user_id, now=NOW)
    return [a.code for a in unlocked]


def count(model: type, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


@pytest.fixture
def make_achievement(app) -> Callable[..., Achievement]:
    order = iter(range(1, 1000))

    def make(
        code: str, criteria: dict, *, reward_coins: int = 0, is_active: bool = True
    ) -> Achievement:
        achievement = Achievement(
            code=code,
            name=code.replace("_", " ").title(),
            unlock_criteria=criteria,
            reward_coins=reward_coins,
            is_active=is_active,
            sort_order=next(order),
        )
        db.session.add(achievement)
        db.session.commit()
        return achievement

    return make


# --- criteria_fraction ---------------------------------------------------------------------------


def test_one_criterion_gives_its_own_fraction():
    assert criteria_fraction({"total_steps": 10_000}, facts(total_steps=2_500)) == 0.25


def test_the_least_complete_criterion_decides():
    criteria = {"total_steps": 10_000, "streak_days": 4, "daily_steps": 5_000}
    member = facts(total_steps=50_000, streak_days=1, daily_steps=2_500)

    assert criteria_fraction(criteria, member) == 0.25


def test_fraction_is_capped_at_one():
    assert criteria_fraction({"orders_count": 1}, facts(orders_count=7)) == 1.0


def test_unknown_criteria_keys_are_ignored():
    criteria = {"total_steps": 1_000, "moon_walks": 5}

    assert criteria_fraction(criteria, facts(total_steps=500)) == 0.5
    assert criteria_fraction({"moon_walks": 5}, facts(total_steps=10**6)) == 0.0


def test_targets_that_are_not_positive_whole_numbers_are_ignored():
    criteria = {"total_steps": 1_000, "daily_steps": 0, "streak_days": "7", "orders_count": -1}

    assert criteria_fraction(criteria, facts(total_steps=250)) == 0.25


def test_no_criteria_means_no_progress():
    assert criteria_fraction({}, facts(total_steps=10**6)) == 0.0


# --- member facts from the database ------------------------------------------------------------


def test_facts_credit_the_largest_verified_record_of_a_day_not_the_sum(member):
    walk(member.id, MONDAY, 8000, source="google_fit")
    walk(member.id, MONDAY, 7000, source="fitbit")
    walk(member.id, MONDAY + timedelta(days=1), 3000)

    result = member_facts(member.id)

    assert result.total_steps == 11_000
    assert result.daily_steps == 8_000


def test_facts_ignore_steps_under_review_or_rejected(member):
    walk(member.id, MONDAY, 6000)
    walk(member.id, MONDAY + timedelta(days=1), 40_000, status="pending")
    walk(member.id, MONDAY + timedelta(days=2), 30_000, status="rejected")
    walk(member.id, MONDAY + timedelta(days=3), 6000)

    result = member_facts(member.id)

    assert result.total_steps == 12_000
    assert result.daily_steps == 6_000
    # The day under review counts as no steps, so it breaks the streak.
    assert result.streak_days == 1


def test_facts_count_streak_and_referrals(member, make_member):
    walk_days(member.id, MONDAY, [6000, 7000, 5000, 100, 9000])
    make_member(referral_code=member.referral_code)
    make_member(referral_code=member.referral_code)

    result = member_facts(member.id)

    assert result.streak_days == 3
    assert result.referrals_count == 2


def _order_something(user: User, make_product) -> str:
    product: RewardProduct = make_product(coin_price=100, stock_quantity=5)
    with transaction():
        ledger.award_step_coins(user.id, MONDAY, ledger.step_coins_awarded(user.id, MONDAY) + 100)
    address = {"line1": "1 Main St", "city": "Berlin", "country": "DE"}
    return orders.place_order(user.id, [(product.id, 1)], shipping_address=address).order_code


def _ship(code: str) -> None:
    orders.change_status(code, "processing", admin_id=None)
    orders.change_status(code, "shipped", admin_id=None, tracking_number="TRK-1")


def test_orders_count_counts_only_shipped_or_delivered_orders(member, make_product):
    cancelled = _order_something(member, make_product)
    pending = _order_something(member, make_product)
    orders.cancel_by_member(member.id, cancelled)
    assert member_facts(member.id).orders_count == 0

    _ship(pending)
    assert member_facts(member.id).orders_count == 1
    orders.change_status(pending, "delivered", admin_id=None)
    assert member_facts(member.id).orders_count == 1


# --- progress_for ------------------------------------------------------------------------------


def test_progress_is_shown_before_unlock(member, make_achievement):
    make_achievement("ten_thousand", {"total_steps": 10_000}, reward_coins=50)
    walk(member.id, MONDAY, 2_500)

    [progress] = progress_for(member.id)

    assert progress.achievement.code == "ten_thousand"
    assert progress.unlocked_at is None
    assert progress.fraction == 0.25
    assert progress.percent == 25


def test_progress_lists_active_achievements_in_sort_order(member, make_achievement):
    make_achievement("first", {"total_steps": 1})
    make_achievement("hidden", {"total_steps": 1}, is_active=False)
    make_achievement("second", {"daily_steps": 1})

    assert [p.achievement.code for p in progress_for(member.id)] == ["first", "second"]


def test_progress_is_complete_once_unlocked(member, make_achievement):
    make_achievement("first_steps", {"total_steps": 1}, reward_coins=10)
    walk(member.id, MONDAY, 10)
    run_evaluation(member.id)

    [progress] = progress_for(member.id)

    assert progress.unlocked_at == NOW
    assert progress.fraction == 1.0


# --- evaluate ----------------------------------------------------------------------------------


def test_evaluate_unlocks_and_pays_the_reward(member, make_achievement):
    make_achievement("ten_k_day", {"daily_steps": 10_000}, reward_coins=50)
    walk(member.id, MONDAY, 12_000)

    assert run_evaluation(member.id) == ["ten_k_day"]

    wallet = wallet_of(member.id)
    assert (wallet.available_coins, wallet.lifetime_earned) == (50, 50)
    unlocked = db.session.execute(select(UserAchievement)).scalar_one()
    assert (unlocked.user_id, unlocked.coins_awarded, unlocked.unlocked_at) == (member.id, 50, NOW)
    reward = db.session.execute(select(CoinTransaction)).scalar_one()
    assert (reward.transaction_type, reward.amount) == ("achievement_reward", 50)
    assert (reward.reference_type, reward.reference_id) == ("achievement", "ten_k_day")
    assert_books_balance(member.id)


def test_evaluating_again_pays_nothing_more(member, make_achievement):
    make_achievement("ten_k_day", {"daily_steps": 10_000}, reward_coins=50)
    walk(member.id, MONDAY, 12_000)
    run_evaluation(member.id)

    assert run_evaluation(member.id) == []
    walk(member.id, MONDAY + timedelta(days=1), 15_000)
    assert run_evaluation(member.id) == []

    assert wallet_of(member.id).available_coins == 50
    assert count(UserAchievement) == 1
    assert count(CoinTransaction) == 1
    assert count(Notification) == 1
    assert_books_balance(member.id)


def test_evaluate_notifies_the_member_of_each_unlock(member, make_achievement):
    make_achievement("first_steps", {"total_steps": 1}, reward_coins=10)
    make_achievement("ten_k_day", {"daily_steps": 10_000}, reward_coins=50)
    walk(member.id, MONDAY, 12_000)

    run_evaluation(member.id)

    notes = db.session.execute(select(Notification).order_by(Notification.id)).scalars().all()
    assert [(n.user_id, n.kind, n.title) for n in notes] == [
        (member.id, "achievement", "Achievement unlocked: First Steps"),
        (member.id, "achievement", "Achievement unlocked: Ten K Day"),
    ]
    assert [n.body for n in notes] == ["+10 coins.", "+50 coins."]


def test_evaluate_leaves_unmet_achievements_locked(member, make_achievement):
    make_achievement("week_streak", {"streak_days": 7}, reward_coins=100)
    # The streak part is met, the total is not: the total decides.
    make_achievement("both", {"total_steps": 100_000, "streak_days": 3}, reward_coins=20)
    walk_days(member.id, MONDAY, [6000, 6000, 100, 6000, 6000, 6000, 6000])

    assert run_evaluation(member.id) == []

    assert count(UserAchievement) == 0
    assert wallet_of(member.id).available_coins == 0
    assert [p.percent for p in progress_for(member.id)] == [57, 36]


def test_an_achievement_met_later_unlocks_on_a_later_run(member, make_achievement):
    make_achievement("three_day_streak", {"streak_days": 3}, reward_coins=30)
    walk_days(member.id, MONDAY, [6000, 6000])
    assert run_evaluation(member.id) == []

    walk(member.id, MONDAY + timedelta(days=2), 6000)

    assert run_evaluation(member.id) == ["three_day_streak"]
    assert wallet_of(member.id).available_coins == 30


def test_a_zero_reward_achievement_unlocks_without_moving_coins(member, make_achievement):
    make_achievement("badge_only", {"total_steps": 1})
    walk(member.id, MONDAY, 500)

    assert run_evaluation(member.id) == ["badge_only"]

    assert count(UserAchievement) == 1
    assert count(CoinTransaction) == 0
    assert count(Notification) == 1


def test_inactive_achievements_are_never_unlocked(member, make_achievement):
    make_achievement("retired", {"total_steps": 1}, reward_coins=10, is_active=False)
    walk(member.id, MONDAY, 500)

    assert run_evaluation(member.id) == []
    assert wallet_of(member.id).available_coins == 0


def test_first_reward_is_not_paid_for_an_order_placed_then_cancelled(
    member, make_achievement, make_product
):
    make_achievement("first_order", {"orders_count": 1}, reward_coins=25)
    code = _order_something(member, make_product)

    assert run_evaluation(member.id) == []  # placed, not yet shipped: nothing paid
    orders.cancel_by_member(member.id, code)
    assert run_evaluation(member.id) == []
    assert count(UserAchievement, UserAchievement.user_id == member.id) == 0
    assert_books_balance(member.id)


def test_first_reward_unlocks_when_the_order_ships(member, make_achievement, make_product):
    make_achievement("first_order", {"orders_count": 1}, reward_coins=25)
    code = _order_something(member, make_product)

    _ship(code)

    assert count(UserAchievement, UserAchievement.user_id == member.id) == 1
    assert run_evaluation(member.id) == []  # already paid at shipment, once
    assert_books_balance(member.id)


def test_evaluation_of_one_member_does_not_unlock_for_another(
    member, make_member, make_achievement
):
    other = make_member()
    make_achievement("first_steps", {"total_steps": 1}, reward_coins=10)
    walk(member.id, MONDAY, 500)

    run_evaluation(member.id)

    assert run_evaluation(other.id) == []
    assert wallet_of(other.id).available_coins == 0
    assert count(UserAchievement, UserAchievement.user_id == other.id) == 0


def test_concurrent_evaluations_unlock_and_pay_once(app: Flask, member, make_achievement):
    make_achievement("first_steps", {"total_steps": 1}, reward_coins=10)
    make_achievement("ten_k_day", {"daily_steps": 10_000}, reward_coins=50)
    walk(member.id, MONDAY, 12_000)
    user_id = member.id
    unlocked: list[list[str]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def evaluate_in_thread() -> None:
        try:
            with app.app_context():
                start.wait()
                unlocked.append(run_evaluation(user_id))
                db.session.remove()
        except BaseException as exc:  # re-raised by the assertion below
            errors.append(exc)

    # The test's own session must not hold SQLite's write lock while the threads run.
    db.session.rollback()
    threads = [threading.Thread(target=evaluate_in_thread) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    # Each achievement is reported as newly unlocked by exactly one evaluation.
    assert sorted(code for codes in unlocked for code in codes) == ["first_steps", "ten_k_day"]
    assert wallet_of(user_id).available_coins == 60
    assert count(UserAchievement) == 2
    assert count(CoinTransaction) == 2
    assert count(Notification) == 2
    assert_books_balance(user_id)
