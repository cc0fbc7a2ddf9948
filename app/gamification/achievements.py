"""Achievements (SPEC §4): progress toward each badge, unlocked once, safe to re-run."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Integer, case, cast, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from app.coins import ledger
from app.core.db import is_postgres
from app.core.notifications import notify
from app.extensions import db
from app.models.base import utcnow
from app.models.gamification import CRITERIA_KEYS, Achievement, UserAchievement
from app.models.orders import Order
from app.models.steps import StepRecord
from app.models.users import Referral

# `orders_count` counts rewards actually redeemed: an order counts once it has shipped (its
# coins are spent), so a pending order that is later cancelled never pays "First Reward".
REDEEMED_ORDER_STATUSES = ("shipped", "delivered")
# A day counts toward a streak when at least this many steps were credited.
STREAK_MIN_STEPS = 5000


@dataclass(frozen=True)
class MemberFacts:
    total_steps: int
    daily_steps: int
    streak_days: int
    orders_count: int
    referrals_count: int

    def value(self, key: str) -> int:
        return getattr(self, key)


@dataclass(frozen=True)
class Progress:
    achievement: Achievement
    unlocked_at: datetime | None
    fraction: float  # 0.0 … 1.0 toward the hardest criterion

    @property
    def percent(self) -> int:
        return int(self.fraction * 100)


def longest_streak(days: list[tuple[date, int]], minimum: int = STREAK_MIN_STEPS) -> int:
    """Longest run of consecutive calendar days with at least `minimum` credited steps."""
    best = run = 0
    previous: date | None = None
    for day, steps in sorted(days):
        if steps < minimum:
            run, previous = 0, None
            continue
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        previous = day
        best = max(best, run)
    return best


STEP_KEYS = frozenset(("total_steps", "daily_steps", "streak_days"))


def member_facts(user_id: int, keys: frozenset[str] | None = None) -> MemberFacts:
    """The member's facts; with `keys`, only those are read (the others are 0): the step
    facts read the member's whole history, which grows every day."""
    wanted = frozenset(CRITERIA_KEYS) if keys is None else keys
    days: list[tuple[date, int]] = []
    if wanted & STEP_KEYS:
        per_day = db.session.execute(
            select(
                StepRecord.recorded_date,
                func.max(case((StepRecord.status == "verified", StepRecord.steps), else_=0)),
            )
            .where(StepRecord.user_id == user_id)
            .group_by(StepRecord.recorded_date)
        ).all()
        days = [(day, int(steps)) for day, steps in per_day]
    orders = invited = 0
    if "orders_count" in wanted:
        orders = db.session.execute(
            select(func.count())
            .select_from(Order)
            .where(Order.user_id == user_id, Order.status.in_(REDEEMED_ORDER_STATUSES))
        ).scalar_one()
    if "referrals_count" in wanted:
        invited = db.session.execute(
            select(func.count()).select_from(Referral).where(Referral.referrer_id == user_id)
        ).scalar_one()
    return MemberFacts(
        total_steps=sum(steps for _, steps in days),
        daily_steps=max((steps for _, steps in days), default=0),
        streak_days=longest_streak(days),
        orders_count=int(orders),
        referrals_count=int(invited),
    )


NO_FACTS = MemberFacts(0, 0, 0, 0, 0)


def _day_number(day: ColumnElement) -> ColumnElement:
    """A calendar day as a whole number, so consecutive days differ by one."""
    if is_postgres():
        return day - cast("2000-01-01", db.Date)  # date - date is an integer of days
    return cast(func.julianday(day), Integer)


def facts_of_members(user_ids: Iterable[int] | None = None) -> dict[int, MemberFacts]:
    """`member_facts` of many members (every member when None) in three set-based queries;
    members without steps, orders or referrals are left out (their facts are NO_FACTS).

    The longest streak is the classic gaps-and-islands count: over a member's qualifying
    days in order, day number minus row number is constant along a run of consecutive days.
    """
    ids = None if user_ids is None else list(user_ids)

    def only(column: ColumnElement, query):  # type: ignore[no-untyped-def]
        return query if ids is None else query.where(column.in_(ids))

    per_day = only(
        StepRecord.user_id,
        select(
            StepRecord.user_id.label("user_id"),
            StepRecord.recorded_date.label("day"),
            func.max(case((StepRecord.status == "verified", StepRecord.steps), else_=0)).label(
                "steps"
            ),
        ),
    ).group_by(StepRecord.user_id, StepRecord.recorded_date)
    days = per_day.subquery("days")
    totals = {
        row.user_id: (int(row.total), int(row.best))
        for row in db.session.execute(
            select(
                days.c.user_id,
                func.sum(days.c.steps).label("total"),
                func.max(days.c.steps).label("best"),
            ).group_by(days.c.user_id)
        )
    }
    qualifying = (
        select(
            days.c.user_id,
            (
                _day_number(days.c.day)
                - func.row_number().over(partition_by=days.c.user_id, order_by=days.c.day)
            ).label("island"),
        )
        .where(days.c.steps >= STREAK_MIN_STEPS)
        .subquery("qualifying")
    )
    runs = (
        select(qualifying.c.user_id, func.count().label("length"))
        .group_by(qualifying.c.user_id, qualifying.c.island)
        .subquery("runs")
    )
    streaks = dict(
        db.session.execute(
            select(runs.c.user_id, func.max(runs.c.length)).group_by(runs.c.user_id)
        ).all()
    )
    orders = dict(
        db.session.execute(
            only(
                Order.user_id,
                select(Order.user_id, func.count()).where(
                    Order.status.in_(REDEEMED_ORDER_STATUSES)
                ),
            ).group_by(Order.user_id)
        ).all()
    )
    invited = dict(
        db.session.execute(
            only(Referral.referrer_id, select(Referral.referrer_id, func.count())).group_by(
                Referral.referrer_id
            )
        ).all()
    )
    return {
        user_id: MemberFacts(
            total_steps=totals.get(user_id, (0, 0))[0],
            daily_steps=totals.get(user_id, (0, 0))[1],
            streak_days=int(streaks.get(user_id, 0)),
            orders_count=int(orders.get(user_id, 0)),
            referrals_count=int(invited.get(user_id, 0)),
        )
        for user_id in {*totals, *orders, *invited}
    }


def criteria_fraction(criteria: dict, facts: MemberFacts) -> float:
    """Progress toward every criterion at once: the least-complete one decides."""
    fractions = []
    for key, target in criteria.items():
        if key not in CRITERIA_KEYS or not isinstance(target, int) or target <= 0:
            continue
        fractions.append(min(1.0, facts.value(key) / target))
    return min(fractions) if fractions else 0.0


def progress_for(user_id: int) -> list[Progress]:
    facts = member_facts(user_id)
    unlocked = dict(
        db.session.execute(
            select(UserAchievement.achievement_id, UserAchievement.unlocked_at).where(
                UserAchievement.user_id == user_id
            )
        ).all()
    )
    achievements = db.session.execute(
        select(Achievement).where(Achievement.is_active).order_by(Achievement.sort_order)
    ).scalars()
    return [
        Progress(
            achievement=a,
            unlocked_at=unlocked.get(a.id),
            fraction=1.0 if a.id in unlocked else criteria_fraction(a.unlock_criteria, facts),
        )
        for a in achievements
    ]


def evaluate(user_id: int, *, now: datetime | None = None) -> list[Achievement]:
    """Unlock (and pay for) every achievement the member now meets. Caller commits.

    Safe to re-run: the unique (user, achievement) row and the ledger key both hold.
    """
    when = now or utcnow()
    unlocked = set(
        db.session.execute(
            select(UserAchievement.achievement_id).where(UserAchievement.user_id == user_id)
        ).scalars()
    )
    locked = [
        a
        for a in db.session.execute(
            select(Achievement).where(Achievement.is_active).order_by(Achievement.sort_order)
        ).scalars()
        if a.id not in unlocked
    ]
    if not locked:
        return []  # the common case for a long-time member: no history read at all
    # Only the facts some locked achievement asks about.
    keys = frozenset(k for a in locked for k in a.unlock_criteria if k in CRITERIA_KEYS)
    facts = member_facts(user_id, keys)
    due = [a for a in locked if criteria_fraction(a.unlock_criteria, facts) >= 1.0]
    return unlock(user_id, due, when)


def unlock(user_id: int, due: list[Achievement], when: datetime) -> list[Achievement]:
    """Unlock, pay and announce `due` (achievements the member meets); returns those this
    call unlocked (a concurrent evaluation may have taken some). Caller commits."""
    if not due:
        return []
    try:
        with db.session.begin_nested():
            db.session.add_all(_unlock_rows(user_id, due, when))
    except IntegrityError:
        # A concurrent evaluation unlocked some first: take the rest one at a time.
        due = [a for a in due if _unlock_one(user_id, a, when)]
    ledger.award_achievements(user_id, {a.code: a.reward_coins for a in due}, now=when)
    for achievement in due:
        announce(user_id, achievement)
    return due


def announce(user_id: int, achievement: Achievement) -> None:
    notify(
        user_id,
        "achievement",
        f"Achievement unlocked: {achievement.name}",
        f"+{achievement.reward_coins} coins." if achievement.reward_coins else "",
        link="/achievements",
    )


def unlock_many(due: dict[int, list[Achievement]], when: datetime) -> bool:
    """`unlock` for many members in one go: one INSERT of the unlock rows, one ledger
    append. False (and nothing written) when some member unlocked one of them meanwhile;
    the caller then takes them one by one. Caller commits."""
    try:
        with db.session.begin_nested():
            db.session.add_all(
                row for user_id, items in due.items() for row in _unlock_rows(user_id, items, when)
            )
    except IntegrityError:
        return False
    ledger.award_achievements_to_members(
        {uid: {a.code: a.reward_coins for a in items} for uid, items in due.items()}, now=when
    )
    for user_id, items in due.items():
        for achievement in items:
            announce(user_id, achievement)
    return True


def _unlock_rows(user_id: int, due: list[Achievement], when: datetime) -> list[UserAchievement]:
    return [
        UserAchievement(
            user_id=user_id,
            achievement_id=a.id,
            unlocked_at=when,
            coins_awarded=a.reward_coins,
        )
        for a in due
    ]


def _unlock_one(user_id: int, achievement: Achievement, when: datetime) -> bool:
    try:
        with db.session.begin_nested():
            db.session.add_all(_unlock_rows(user_id, [achievement], when))
    except IntegrityError:
        return False
    return True
