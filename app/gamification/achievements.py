"""Achievements (SPEC §4): progress toward each badge, unlocked once, safe to re-run."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from app.coins import ledger
from app.core.db import is_postgres
from app.core.notifications import notify
from app.extensions import db
from app.gamification import teams
from app.gamification.streaks import STREAK_MIN_STEPS, longest_streak
from app.models.base import utcnow
from app.models.gamification import CRITERIA_KEYS, Achievement, UserAchievement
from app.models.groups import TeamMember
from app.models.orders import Order, OrderStatus
from app.models.steps import StepRecord
from app.models.users import Referral
from app.steps.credited import credited_by_day, credited_days

# `orders_count` counts rewards actually redeemed: an order counts once it has shipped (its
# coins are spent), so a pending order that is later cancelled never pays "First Reward".
REDEEMED_ORDER_STATUSES = (OrderStatus.SHIPPED, OrderStatus.DELIVERED)
# The criteria each kind of event can move, for `evaluate(moved=...)`.
STEP_FACTS = frozenset({"total_steps", "daily_steps", "streak_days"})  # sync, approval
ORDER_FACTS = frozenset({"orders_count"})  # an order shipped or delivered
REFERRAL_FACTS = frozenset({"referrals_count"})  # a friend joined with the member's code
# A team joined or left, or the member's own synced steps moving the team's weekly average.
TEAM_FACTS = frozenset({"team_size", "team_week_average"})


@dataclass(frozen=True)
class MemberFacts:
    total_steps: int
    daily_steps: int
    streak_days: int
    orders_count: int
    referrals_count: int
    team_size: int = 0
    team_week_average: int = 0

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


def member_facts(user_id: int) -> MemberFacts:
    return MemberFacts(**_count_facts(user_id, CRITERIA_KEYS))


def _count_facts(user_id: int, keys: Collection[str]) -> dict[str, int]:
    """The member's numbers for `keys` only: each event counts what it needs."""
    facts: dict[str, int] = {}
    if STEP_FACTS & set(keys):
        days = list(credited_by_day(user_id).items())
        facts["total_steps"] = sum(steps for _, steps in days)
        facts["daily_steps"] = max((steps for _, steps in days), default=0)
        facts["streak_days"] = longest_streak(days)
    if "orders_count" in keys:
        facts["orders_count"] = (
            db.session.scalar(
                select(func.count())
                .select_from(Order)
                .where(Order.user_id == user_id, Order.status.in_(REDEEMED_ORDER_STATUSES))
            )
            or 0
        )
    if "referrals_count" in keys:
        facts["referrals_count"] = (
            db.session.scalar(
                select(func.count()).select_from(Referral).where(Referral.referrer_id == user_id)
            )
            or 0
        )
    if TEAM_FACTS & set(keys):
        facts.update(asdict(teams.team_facts(user_id)))
    return facts


def _criteria_keys(criteria: dict) -> set[str]:
    """The criteria that count: known keys with a positive whole target."""
    return {
        key
        for key, target in criteria.items()
        if key in CRITERIA_KEYS and isinstance(target, int) and target > 0
    }


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

    def only(column: Any, query: Any) -> Any:  # any select, narrowed to `ids` when given
        return query if ids is None else query.where(column.in_(ids))

    # Credited days: the one rule (app/steps/credited.py).
    days = credited_days(*([] if ids is None else [StepRecord.user_id.in_(ids)]))
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
    orders: dict[int, int] = dict(
        db.session.execute(
            only(
                Order.user_id,
                select(Order.user_id, func.count()).where(
                    Order.status.in_(REDEEMED_ORDER_STATUSES)
                ),
            ).group_by(Order.user_id)
        ).all()
    )
    invited: dict[int, int] = dict(
        db.session.execute(
            only(Referral.referrer_id, select(Referral.referrer_id, func.count())).group_by(
                Referral.referrer_id
            )
        ).all()
    )
    found = {
        user_id: MemberFacts(
            total_steps=totals.get(user_id, (0, 0))[0],
            daily_steps=totals.get(user_id, (0, 0))[1],
            streak_days=int(streaks.get(user_id, 0)),
            orders_count=int(orders.get(user_id, 0)),
            referrals_count=int(invited.get(user_id, 0)),
        )
        for user_id in {*totals, *orders, *invited}
    }
    # Team badges: the few members in a team get their team's numbers as a sync would.
    in_teams = db.session.scalars(only(TeamMember.user_id, select(TeamMember.user_id))).all()
    for user_id in in_teams:
        found[user_id] = replace(found.get(user_id, NO_FACTS), **asdict(teams.team_facts(user_id)))
    return found


def criteria_fraction(criteria: dict, facts: MemberFacts) -> float:
    """Progress toward every criterion at once: the least-complete one decides."""
    return _fraction(criteria, facts.value)


def _fraction(criteria: dict, value: Callable[[str], int]) -> float:
    fractions = [min(1.0, value(key) / criteria[key]) for key in _criteria_keys(criteria)]
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


def evaluate(
    user_id: int, *, moved: Collection[str] = CRITERIA_KEYS, now: datetime | None = None
) -> list[Achievement]:
    """Unlock (and pay for) every achievement the member now meets. Caller commits.

    `moved` names the criteria the calling event can change (`STEP_FACTS` after a sync or
    an approval, `ORDER_FACTS`, `REFERRAL_FACTS`); only achievements with one of them are
    looked at. The nightly repair passes none, so every criterion is checked.
    Safe to re-run: the unique (user, achievement) row and the ledger key both hold.
    """
    when = now or utcnow()
    unlocked = select(UserAchievement.achievement_id).where(UserAchievement.user_id == user_id)
    candidates = [
        a
        for a in db.session.execute(
            select(Achievement)
            .where(Achievement.is_active, Achievement.id.not_in(unlocked))
            .order_by(Achievement.sort_order)
        ).scalars()
        if _criteria_keys(a.unlock_criteria) & set(moved)
    ]
    if not candidates:
        return []
    needed = set().union(*(_criteria_keys(a.unlock_criteria) for a in candidates))
    facts = _count_facts(user_id, needed)
    due = [a for a in candidates if _fraction(a.unlock_criteria, facts.__getitem__) >= 1.0]
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
