"""Seeds (SPEC §8): `flask seed initial`, `flask seed demo`, `flask users create-admin`."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta

import pytest
from click.testing import Result
from flask.testing import FlaskCliRunner
from sqlalchemy import case, func, select

from app.accounts import accounts
from app.backoffice.settings import SPECS
from app.coins import ledger
from app.extensions import db
from app.models.admin import Setting
from app.models.catalog import RewardProduct
from app.models.gamification import Achievement
from app.models.notifications import Notification
from app.models.orders import Order
from app.models.steps import StepRecord, StepValidation
from app.models.users import User
from app.models.wallet import CoinTransaction, Wallet
from app.steps.sync import coins_for_steps
from seeds.demo import DEMO_DOMAIN, DEMO_PASSWORD, generate_demo
from seeds.initial import ACHIEVEMENTS, PRODUCTS, load_initial

SETTINGS = len(SPECS)  # every admin setting, SPEC §5's ten and any added since

OPEN_CASES = ("pending", "appealed")
TODAY = date(2026, 11, 20)


def invoke(runner: FlaskCliRunner, *args: str) -> Result:
    # On SQLite every transaction holds the write lock: the test must not sit on it.
    db.session.rollback()
    result = runner.invoke(args=list(args))
    db.session.expire_all()
    return result


def count(model: type, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def initial_counts() -> tuple[int, int, int, int]:
    return (
        count(User, User.role == "admin"),
        count(Achievement),
        count(RewardProduct),
        count(Setting),
    )


def assert_every_wallet_matches_the_ledger() -> None:
    wallets = db.session.execute(select(Wallet)).scalars().all()
    assert wallets
    for wallet in wallets:
        totals = ledger.ledger_totals(wallet.user_id)
        assert (
            wallet.available_coins,
            wallet.frozen_coins,
            wallet.lifetime_earned,
            wallet.lifetime_spent,
        ) == (totals.available, totals.frozen, totals.earned, totals.spent), wallet.user_id
        assert min(wallet.available_coins, wallet.frozen_coins) >= 0
        assert min(wallet.lifetime_earned, wallet.lifetime_spent) >= 0


def demo_members() -> int:
    return count(User, User.email.like(f"%@{DEMO_DOMAIN}"))


# --- seed initial ------------------------------------------------------------------------------


def test_seed_initial_loads_the_admin_achievements_products_and_settings(runner):
    result = invoke(runner, "seed", "initial")

    assert result.exit_code == 0, result.output
    assert f"Added 8 achievements, 8 products, {SETTINGS} settings." in result.output
    assert initial_counts() == (1, 8, 8, SETTINGS)
    email, password = re.search(r"Admin account: (\S+) / (\S+)", result.output).groups()
    assert email == "admin@fitkart.example"
    admin = accounts.authenticate(email, password)
    assert admin.role == "admin"


def test_seed_initial_twice_adds_nothing_the_second_time(runner):
    invoke(runner, "seed", "initial")

    again = invoke(runner, "seed", "initial")

    assert again.exit_code == 0, again.output
    assert "already exists" in again.output
    assert "Added 0 achievements, 0 products, 0 settings." in again.output
    assert initial_counts() == (1, 8, 8, SETTINGS)


def test_seed_initial_takes_the_admin_email_and_password(runner):
    result = invoke(
        runner,
        "seed",
        "initial",
        "--admin-email",
        "Boss@Example.com",
        "--admin-password",
        "a-strong-password",
    )

    assert result.exit_code == 0, result.output
    assert accounts.authenticate("boss@example.com", "a-strong-password").role == "admin"


def test_seed_initial_with_a_bad_admin_password_fails_cleanly(runner):
    result = invoke(runner, "seed", "initial", "--admin-password", "short")

    assert result.exit_code != 0
    assert "Password must be at least 8 characters" in result.output
    assert initial_counts() == (0, 0, 0, 0)


def test_load_initial_is_idempotent(app):
    first = load_initial("admin@fitkart.example", "admin-password")
    db.session.commit()
    second = load_initial("admin@fitkart.example", "another-password")
    db.session.commit()

    assert (first.admin_created, first.admin_password) == (True, "admin-password")
    assert (first.achievements_added, first.products_added, first.settings_added) == (
        8,
        8,
        SETTINGS,
    )
    assert (second.admin_created, second.admin_password) == (False, None)
    assert (second.achievements_added, second.products_added, second.settings_added) == (0, 0, 0)
    assert initial_counts() == (1, 8, 8, SETTINGS)
    # The existing admin's password is left alone.
    assert accounts.authenticate("admin@fitkart.example", "admin-password")


def test_load_initial_adds_only_what_is_missing(app):
    db.session.add(Achievement(code="first_steps", name="Mine", unlock_criteria={"total_steps": 5}))
    db.session.add(RewardProduct(title=PRODUCTS[0][0], category="Gear", coin_price=1))
    db.session.add(Setting(key="steps_per_coin", value=50))
    db.session.commit()

    result = load_initial("admin@fitkart.example", "admin-password")
    db.session.commit()

    assert (result.achievements_added, result.products_added, result.settings_added) == (
        7,
        7,
        SETTINGS - 1,
    )
    assert initial_counts() == (1, 8, 8, SETTINGS)
    kept = db.session.execute(select(Achievement).where(Achievement.code == "first_steps"))
    assert kept.scalar_one().name == "Mine"
    assert db.session.get(Setting, "steps_per_coin").value == 50


def test_initial_achievements_use_only_known_criteria(app):
    load_initial("admin@fitkart.example", "admin-password")
    db.session.commit()

    codes = db.session.execute(select(Achievement.code).order_by(Achievement.sort_order))
    assert list(codes.scalars()) == [spec["code"] for spec in ACHIEVEMENTS]
    known = {
        "total_steps",
        "daily_steps",
        "streak_days",
        "orders_count",
        "referrals_count",
        "team_size",
        "team_week_average",
    }
    for achievement in db.session.execute(select(Achievement)).scalars():
        assert set(achievement.unlock_criteria) <= known
        assert achievement.reward_coins >= 0


# --- seed demo ---------------------------------------------------------------------------------


def assert_demo_data_is_consistent() -> None:
    """Members, steps, flags, orders and coins that hang together."""
    assert count(StepRecord) > 0
    assert count(StepValidation, StepValidation.status.in_(OPEN_CASES)) > 0
    assert count(Order) > 0
    assert_every_wallet_matches_the_ledger()
    # A day's step coins are exactly what its largest verified record earns: none for days
    # still under review or rejected, and sources are never added up.
    credited = db.session.execute(
        select(
            StepRecord.user_id,
            StepRecord.recorded_date,
            func.max(case((StepRecord.status == "verified", StepRecord.steps), else_=0)),
        ).group_by(StepRecord.user_id, StepRecord.recorded_date)
    ).all()
    awarded: dict[tuple[int, str], int] = defaultdict(int)
    for user_id, day, amount in db.session.execute(
        select(CoinTransaction.user_id, CoinTransaction.reference_id, CoinTransaction.amount).where(
            CoinTransaction.transaction_type == "step_reward"
        )
    ):
        awarded[(user_id, day)] += amount
    expected = {
        (user_id, day.isoformat()): coins_for_steps(
            int(steps), daily_step_cap=20_000, steps_per_coin=100
        )
        for user_id, day, steps in credited
    }
    assert dict(awarded) == {key: coins for key, coins in expected.items() if coins}
    # Every open case is about a record that is not (yet) credited.
    open_records = db.session.execute(
        select(StepRecord.status)
        .join(StepValidation, StepValidation.step_record_id == StepRecord.id)
        .where(StepValidation.status.in_(OPEN_CASES))
    ).scalars()
    assert set(open_records) <= {"pending", "rejected"}


def test_seed_demo_creates_members_steps_flags_orders_and_balanced_wallets(runner):
    invoke(runner, "seed", "initial")

    result = invoke(runner, "seed", "demo", "--users", "40", "--days", "30", "--seed", "1")

    assert result.exit_code == 0, result.output
    assert "Demo data: 40 members" in result.output
    assert DEMO_PASSWORD in result.output
    assert demo_members() == 40
    assert_demo_data_is_consistent()
    member = accounts.authenticate(f"member1@{DEMO_DOMAIN}", DEMO_PASSWORD)
    assert member.role == "member"
    # Seeded accounts come confirmed: demo members can check out, the admin too.
    unconfirmed = db.session.scalar(
        select(func.count()).select_from(User).where(User.email_verified_at.is_(None))
    )
    assert unconfirmed == 0


def test_seed_demo_a_second_time_adds_nothing(runner):
    invoke(runner, "seed", "initial")
    invoke(runner, "seed", "demo", "--users", "40", "--days", "30", "--seed", "1")
    before = (count(User), count(StepRecord), count(Order), count(CoinTransaction))

    again = invoke(runner, "seed", "demo", "--users", "40", "--days", "30")

    assert again.exit_code == 0, again.output
    assert "already loaded" in again.output
    assert (count(User), count(StepRecord), count(Order), count(CoinTransaction)) == before


def test_generate_demo_summary_matches_the_database(app):
    load_initial("admin@fitkart.example", "admin-password")
    db.session.commit()

    summary = generate_demo(40, 30, seed=1, today=TODAY)

    db.session.expire_all()
    assert summary.members == demo_members() == 40
    assert summary.step_records == count(StepRecord)
    assert summary.flagged_open == count(StepValidation, StepValidation.status.in_(OPEN_CASES))
    assert summary.flagged_reviewed == count(
        StepValidation, StepValidation.status.not_in(OPEN_CASES)
    )
    by_status = dict(
        db.session.execute(select(Order.status, func.count()).group_by(Order.status)).all()
    )
    assert summary.orders_by_status == by_status
    assert_demo_data_is_consistent()
    first, last = db.session.execute(
        select(func.min(StepRecord.recorded_date), func.max(StepRecord.recorded_date))
    ).one()
    assert TODAY - timedelta(days=29) <= first and last == TODAY
    # Every day still in the queue told its member so.
    flagged_members = set(
        db.session.execute(
            select(StepValidation.user_id).where(StepValidation.status == "pending")
        ).scalars()
    )
    notified = set(
        db.session.execute(
            select(Notification.user_id).where(Notification.kind == "flag")
        ).scalars()
    )
    assert flagged_members == notified


def test_demo_orders_are_spread_over_the_period_like_the_steps(app):
    load_initial("admin@fitkart.example", "admin-password")
    db.session.commit()

    generate_demo(60, 30, seed=1, today=TODAY)

    placed = db.session.execute(select(Order.created_at, Order.updated_at, Order.status)).all()
    days = {created.date() for created, _, _ in placed}
    assert len(placed) > 5 and len(days) > 3  # not every order on the seed's day
    outside = [
        (created, updated, status)
        for created, updated, status in placed
        if not TODAY - timedelta(days=30) <= created.date() <= TODAY or not created <= updated
    ]
    assert outside == []
    # The coins moved on those days too: /admin/analytics shows spending across the period.
    spent_days = set(
        db.session.execute(
            select(CoinTransaction.created_at).where(
                CoinTransaction.transaction_type.in_(("order_freeze", "order_spend"))
            )
        ).scalars()
    )
    assert len({moment.date() for moment in spent_days}) > 3
    assert_demo_data_is_consistent()


def test_generate_demo_without_initial_data_places_no_orders(app):
    summary = generate_demo(5, 5, seed=3, today=TODAY)

    db.session.expire_all()
    assert summary.members == demo_members() == 5
    assert summary.orders_by_status == {}
    assert count(Order) == 0
    assert_every_wallet_matches_the_ledger()


# --- users create-admin ------------------------------------------------------------------------


def test_create_admin_creates_an_admin_who_can_sign_in(runner):
    result = invoke(
        runner, "users", "create-admin", "Ops@Example.com", "--password", "ops-password"
    )

    assert result.exit_code == 0, result.output
    assert "Admin ops@example.com created." in result.output
    user = accounts.authenticate("ops@example.com", "ops-password")
    assert (user.role, user.full_name) == ("admin", "FitKart Admin")


def test_create_admin_with_a_taken_email_exits_non_zero_with_a_clear_message(runner):
    invoke(runner, "users", "create-admin", "ops@example.com", "--password", "ops-password")

    again = invoke(runner, "users", "create-admin", "OPS@example.com", "--password", "other-pass")

    assert again.exit_code != 0
    assert "An account with that e-mail already exists." in again.output
    assert "Traceback" not in again.output
    assert count(User) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["not-an-email", "--password", "ops-password"], "valid e-mail"),
        (["ops@example.com", "--password", "short"], "at least 8 characters"),
    ],
)
def test_create_admin_with_bad_input_exits_non_zero_and_creates_nothing(runner, args, message):
    result = invoke(runner, "users", "create-admin", *args)

    assert result.exit_code != 0
    assert message in result.output
    assert count(User) == 0
