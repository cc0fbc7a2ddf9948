"""Each event that can move a badge evaluates it at once, and only the criteria it moves."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.coins import ledger
from app.core.db import transaction
from app.extensions import db
from app.fraud import review
from app.gamification import achievement_repair
from app.models.gamification import Achievement, UserAchievement
from app.models.steps import StepValidation
from app.models.users import User
from app.orders import orders
from app.steps import sync
from seeds.initial import ACHIEVEMENTS

ADDRESS = {"line1": "1 Main St", "city": "Berlin", "country": "DE"}


def seed_badge(code: str) -> Achievement:
    achievement = Achievement(**next(a for a in ACHIEVEMENTS if a["code"] == code))
    db.session.add(achievement)
    db.session.commit()
    return achievement


def unlocked(user: User) -> set[str]:
    return set(
        db.session.execute(
            select(Achievement.code)
            .join(UserAchievement, UserAchievement.achievement_id == Achievement.id)
            .where(UserAchievement.user_id == user.id)
        ).scalars()
    )


def place_and_ship(user: User, make_product) -> str:
    product = make_product(coin_price=100, stock_quantity=5)
    day = date(2026, 11, 2)
    with transaction():
        ledger.award_step_coins(user.id, day, ledger.step_coins_awarded(user.id, day) + 100)
    code = orders.place_order(user.id, [(product.id, 1)], shipping_address=ADDRESS).order_code
    orders.change_status(code, "processing", admin_id=None)
    orders.change_status(code, "shipped", admin_id=None, tracking_number="TRK-1")
    return code


def test_a_sync_unlocks_a_step_badge_at_once(member):
    seed_badge("first_steps")

    sync.sync_records(member, [sync.IncomingRecord(sync.member_today(member), 800, "fitbit")])

    assert unlocked(member) == {"first_steps"}


def test_approving_a_flagged_day_unlocks_its_step_badge_at_once(member, admin):
    seed_badge("first_steps")
    today = sync.member_today(member)
    sync.sync_records(
        member, [sync.IncomingRecord(today, 800, "manual", recording_method="manual")]
    )
    assert unlocked(member) == set()  # under review: nothing credited yet

    case = db.session.execute(select(StepValidation)).scalar_one()
    review.approve(case.id, admin_id=admin.id)

    assert unlocked(member) == {"first_steps"}


def test_shipping_orders_unlocks_first_reward_at_once_and_pays_it_once(member, make_product):
    first_reward = seed_badge("first_order")

    place_and_ship(member, make_product)
    place_and_ship(member, make_product)

    assert unlocked(member) == {"first_order"}
    awarded = ledger.ledger_totals(member.id).earned - 200
    assert awarded == first_reward.reward_coins


def test_a_delivered_order_still_counts_and_pays_nothing_twice(member, make_product):
    seed_badge("first_order")
    code = place_and_ship(member, make_product)

    orders.change_status(code, "delivered", admin_id=None)

    assert unlocked(member) == {"first_order"}
    assert len(db.session.execute(select(UserAchievement)).scalars().all()) == 1


def test_the_third_friend_joining_unlocks_social_walker_for_the_referrer_at_once(
    member, make_member
):
    seed_badge("social_walker")
    make_member(referral_code=member.referral_code)
    make_member(referral_code=member.referral_code)
    assert unlocked(member) == set()

    make_member(referral_code=member.referral_code)

    assert unlocked(member) == {"social_walker"}


def test_a_sync_does_not_look_at_order_badges_the_nightly_repair_does(member, make_product):
    place_and_ship(member, make_product)
    seed_badge("first_order")  # created after the shipment: no event has evaluated it yet

    sync.sync_records(member, [sync.IncomingRecord(sync.member_today(member), 800, "fitbit")])
    assert unlocked(member) == set()

    achievement_repair.repair_missed_achievements(user_ids=[member.id])
    assert unlocked(member) == {"first_order"}
