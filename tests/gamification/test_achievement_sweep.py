"""The nightly sweep is set-based: the facts of every member from a few grouped queries must
equal the per-member `member_facts`, and the sweep must award exactly what evaluating each
member one by one awards (on SQLite and on PostgreSQL)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event, func, select

from app.coins import ledger
from app.core.db import transaction
from app.extensions import db
from app.gamification.achievement_repair import repair_missed_achievements
from app.gamification.achievements import (
    NO_FACTS,
    evaluate,
    facts_of_members,
    member_facts,
    progress_for,
    unlock_many,
)
from app.models.gamification import Achievement, UserAchievement
from app.models.notifications import Notification
from app.models.steps import StepRecord
from app.models.users import User
from app.models.wallet import CoinTransaction, Wallet

FIRST = date(2026, 10, 26)  # a Monday; the histories cross the month end
NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)

HISTORIES: dict[str, list[tuple[int, int, str, str]]] = {
    # (day offset, steps, source, status)
    "a_long_run_then_a_gap": [(d, 6000 + d, "google_fit", "verified") for d in range(9)]
    + [(11, 8000, "google_fit", "verified"), (12, 8000, "google_fit", "verified")],
    "two_sources_a_day_count_the_larger": [
        (0, 4000, "google_fit", "verified"),
        (0, 7000, "fitbit", "verified"),
        (1, 5000, "google_fit", "verified"),
        (2, 4999, "google_fit", "verified"),
        (3, 12000, "apple_health", "verified"),
    ],
    "held_and_rejected_days_break_the_run": [
        (0, 9000, "google_fit", "verified"),
        (1, 30000, "google_fit", "pending"),
        (2, 9000, "google_fit", "verified"),
        (3, 9000, "google_fit", "rejected"),
        (3, 6000, "fitbit", "verified"),
        (4, 9000, "google_fit", "verified"),
    ],
    "the_latest_run_is_not_the_longest": [(d, 5000, "google_fit", "verified") for d in range(6)]
    + [(d, 5000, "google_fit", "verified") for d in range(30, 33)],
    "nothing_qualifies": [(d, 300, "google_fit", "verified") for d in range(4)],
}


def _walk(user_id: int, history: list[tuple[int, int, str, str]]) -> None:
    for offset, steps, source, status in history:
        db.session.add(
            StepRecord(
                user_id=user_id,
                recorded_date=FIRST + timedelta(days=offset),
                source=source,
                steps=steps,
                status=status,
            )
        )
    db.session.commit()


def _members(make_member) -> dict[str, int]:
    ids = {}
    for name, history in HISTORIES.items():
        user = make_member()
        _walk(user.id, history)
        ids[name] = user.id
    ids["no_steps"] = make_member().id
    referrer = db.session.get(User, ids["nothing_qualifies"])
    make_member(referral_code=referrer.referral_code)
    make_member(referral_code=referrer.referral_code)
    return ids


def _achievements() -> None:
    for order, (code, criteria, coins) in enumerate(
        [
            ("walker", {"total_steps": 20_000}, 10),
            ("big_day", {"daily_steps": 10_000}, 5),
            ("three_in_a_row", {"streak_days": 3}, 7),
            ("six_in_a_row", {"streak_days": 6}, 20),
            ("two_friends", {"referrals_count": 2}, 15),
            ("friend_and_run", {"referrals_count": 1, "streak_days": 1}, 3),
            ("free_badge", {"streak_days": 1}, 0),
        ]
    ):
        db.session.add(
            Achievement(
                code=code,
                name=code,
                unlock_criteria=criteria,
                reward_coins=coins,
                is_active=True,
                sort_order=100 + order,
            )
        )
    db.session.commit()


def _awards() -> set[tuple[int, str, int]]:
    rows = db.session.execute(
        select(UserAchievement.user_id, Achievement.code, UserAchievement.coins_awarded).join(
            Achievement, Achievement.id == UserAchievement.achievement_id
        )
    ).all()
    return {tuple(row) for row in rows}


def _reward_rows() -> set[tuple[int, str | None, int]]:
    rows = db.session.execute(
        select(CoinTransaction.user_id, CoinTransaction.reference_id, CoinTransaction.amount).where(
            CoinTransaction.transaction_type == "achievement_reward"
        )
    ).all()
    return {tuple(row) for row in rows}


def test_facts_of_all_members_equal_each_members_own_facts(make_member):
    ids = _members(make_member)

    everyone = facts_of_members()

    for name, user_id in ids.items():
        assert everyone.get(user_id, NO_FACTS) == member_facts(user_id), name
    assert everyone[ids["a_long_run_then_a_gap"]].streak_days == 9
    assert everyone[ids["held_and_rejected_days_break_the_run"]].streak_days == 3
    assert everyone[ids["the_latest_run_is_not_the_longest"]].streak_days == 6
    assert (
        everyone[ids["two_sources_a_day_count_the_larger"]].total_steps
        == 7000 + 5000 + 4999 + 12000
    )
    assert ids["no_steps"] not in everyone


def test_facts_of_some_members_leave_the_others_out(make_member):
    ids = _members(make_member)
    some = {ids["a_long_run_then_a_gap"], ids["nothing_qualifies"]}

    assert set(facts_of_members(some)) == some


def test_the_sweep_awards_what_evaluating_each_member_awards(make_member):
    ids = _members(make_member)
    _achievements()
    # What `evaluate` would unlock for each member, asked one member at a time.
    expected = {
        (user_id, item.achievement.code, item.achievement.reward_coins)
        for user_id in ids.values()
        for item in progress_for(user_id)
        if item.unlocked_at is None and item.fraction >= 1.0
    }
    assert len({code for _, code, _ in expected}) >= 5, "the histories unlock most badges"

    result = repair_missed_achievements(now=NOW)

    assert _awards() == expected
    assert sorted(result.unlocked) == sorted((uid, code) for uid, code, _ in expected)
    assert _reward_rows() == {(uid, code, coins) for uid, code, coins in expected if coins}
    announced = db.session.execute(
        select(Notification.user_id, func.count())
        .where(Notification.kind == "achievement")
        .group_by(Notification.user_id)
    ).all()
    assert dict(announced) == dict(Counter(uid for uid, _, _ in expected))
    for user_id in ids.values():
        totals = ledger.ledger_totals(user_id)
        wallet = db.session.execute(select(Wallet).where(Wallet.user_id == user_id)).scalar_one()
        assert (wallet.available_coins, wallet.lifetime_earned) == (totals.available, totals.earned)


def test_a_batch_with_an_achievement_unlocked_meanwhile_writes_nothing(make_member):
    ids = _members(make_member)
    _achievements()
    walker = ids["a_long_run_then_a_gap"]
    badge = db.session.execute(select(Achievement).where(Achievement.code == "walker")).scalar_one()
    db.session.add(UserAchievement(user_id=walker, achievement_id=badge.id, unlocked_at=NOW))
    db.session.commit()

    with transaction():
        written = unlock_many({walker: [badge]}, NOW)

    assert written is False and _reward_rows() == set()
    assert len(_awards()) == 1


def test_a_second_sweep_unlocks_nothing(make_member):
    _members(make_member)
    _achievements()
    first = repair_missed_achievements(now=NOW)

    again = repair_missed_achievements(now=NOW)

    assert first.unlocked and again.unlocked == []


def test_evaluating_a_member_with_every_badge_reads_no_history(make_member):
    ids = _members(make_member)
    _achievements()
    user_id = ids["a_long_run_then_a_gap"]
    repair_missed_achievements(now=NOW)
    for achievement in db.session.execute(select(Achievement)).scalars():
        if (user_id, achievement.code, achievement.reward_coins) not in _awards():
            achievement.is_active = False  # leave only what the member has
    db.session.commit()
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert evaluate(user_id, now=NOW) == []
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)

    assert not [s for s in statements if "step_records" in s]
