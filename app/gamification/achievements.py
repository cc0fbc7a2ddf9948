"""Achievements (SPEC §4): progress toward each badge, unlocked once, safe to re-run."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.coins import ledger
from app.core.notifications import notify
from app.extensions import db
from app.gamification import teams
from app.gamification.streaks import longest_streak
from app.models.base import utcnow
from app.models.gamification import CRITERIA_KEYS, Achievement, UserAchievement
from app.models.orders import Order, OrderStatus
from app.models.users import Referral
from app.steps.credited import credited_by_day

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
    unlocked = set(
        db.session.execute(
            select(UserAchievement.achievement_id).where(UserAchievement.user_id == user_id)
        ).scalars()
    )
    candidates = [
        a
        for a in db.session.execute(
            select(Achievement).where(Achievement.is_active).order_by(Achievement.sort_order)
        ).scalars()
        if a.id not in unlocked and _criteria_keys(a.unlock_criteria) & set(moved)
    ]
    if not candidates:
        return []
    needed = set().union(*(_criteria_keys(a.unlock_criteria) for a in candidates))
    facts = _count_facts(user_id, needed)
    due = [a for a in candidates if _fraction(a.unlock_criteria, facts.__getitem__) >= 1.0]
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
        notify(
            user_id,
            "achievement",
            f"Achievement unlocked: {achievement.name}",
            f"+{achievement.reward_coins} coins." if achievement.reward_coins else "",
            link="/achievements",
        )
    return due


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
