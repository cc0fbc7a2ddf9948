"""The numbers on /admin/analytics, computed live with set-based SQL (SQLite and PostgreSQL).

Step numbers go by the members' own step dates (`recorded_date`); coin, order and
sign-up numbers by the UTC date of `created_at`. Both ends of a range are included.

No materialized view is kept: these range queries run on indexed columns and stay cheap,
and they see late syncs and approvals of past days at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, and_, case, cast, exists, func, literal_column, select
from sqlalchemy.sql.elements import ColumnElement

from app.core.db import is_postgres
from app.core.errors import ValidationFailed
from app.extensions import db
from app.models.catalog import RewardProduct
from app.models.orders import Order, OrderItem, OrderStatus
from app.models.promotions import PromoRedemption
from app.models.steps import CaseStatus, StepRecord, StepValidation
from app.models.users import User
from app.models.wallet import CoinTransaction
from app.steps.credited import credited_days

DEFAULT_DAYS = 30
MAX_DAYS = 366
TOP_PRODUCTS = 10
ISSUING_TYPES = ("step_reward", "achievement_reward", "referral_bonus")


@dataclass(frozen=True)
class DayPoint:
    day: date
    active_members: int
    credited_steps: int
    coins_issued: int
    coins_spent: int
    coins_frozen: int

    @property
    def average_steps(self) -> int:
        return round(self.credited_steps / self.active_members) if self.active_members else 0


@dataclass(frozen=True)
class CoinTotals:
    issued: int  # step rewards, achievement rewards and referral bonuses
    spent: int  # frozen coins spent when orders shipped
    frozen: int  # coins put on hold at checkout
    released: int  # frozen coins given back when orders were cancelled
    refunded: int  # coins returned for refunded orders
    adjusted: int  # net admin adjustments


@dataclass(frozen=True)
class ReviewNumbers:
    records: int
    flagged: int
    reviewed: int
    approved: int

    @property
    def flag_rate(self) -> float | None:
        return self.flagged / self.records if self.records else None

    @property
    def approval_rate(self) -> float | None:
        return self.approved / self.reviewed if self.reviewed else None


@dataclass(frozen=True)
class TopProduct:
    product_id: int
    title: str
    units: int
    coins: int


@dataclass(frozen=True)
class Funnel:
    registered: int
    synced: int
    redeemed: int


@dataclass(frozen=True)
class PromoNumbers:
    redemptions: int  # every use of a code in the range
    discount_orders: int  # of them, orders that had coins taken off
    coins_granted: int  # by coin codes, from the ledger (promo_credit)
    coins_off_orders: int  # taken off orders by discount codes


@dataclass(frozen=True)
class Analytics:
    start: date
    end: date
    days: list[DayPoint]
    unique_active_members: int
    coins: CoinTotals
    review: ReviewNumbers
    top_products: list[TopProduct]
    funnel: Funnel
    promo: PromoNumbers

    @property
    def active_member_days(self) -> int:
        return sum(point.active_members for point in self.days)

    @property
    def average_daily_active(self) -> float:
        return self.active_member_days / len(self.days) if self.days else 0.0

    @property
    def average_steps(self) -> int:
        """Average credited steps per active member per day, over the whole range."""
        total = sum(point.credited_steps for point in self.days)
        return round(total / self.active_member_days) if self.active_member_days else 0


def default_range(today: date) -> tuple[date, date]:
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def check_range(start: date, end: date) -> None:
    if start > end:
        raise ValidationFailed("The start date must not be after the end date.")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationFailed(f"Choose at most {MAX_DAYS} days.")


def _instant(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _utc_day(column: Any) -> ColumnElement[Any]:
    if is_postgres():
        return cast(func.timezone(literal_column("'UTC'"), column), Date)
    return func.date(column)


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _created_between(column: Any, start: date, end: date) -> ColumnElement[bool]:
    return and_(column >= _instant(start), column < _instant(end + timedelta(days=1)))


def _step_days(start: date, end: date) -> dict[date, tuple[int, int]]:
    """{day: (members with any step record, their credited steps)}."""
    in_range = StepRecord.recorded_date.between(start, end)
    active = db.session.execute(
        select(StepRecord.recorded_date, func.count(func.distinct(StepRecord.user_id)))
        .where(in_range)
        .group_by(StepRecord.recorded_date)
    ).all()
    credited = credited_days(in_range)
    steps = {
        _as_date(day): int(total)
        for day, total in db.session.execute(
            select(credited.c.day, func.sum(credited.c.steps)).group_by(credited.c.day)
        )
    }
    return {_as_date(day): (int(members), steps.get(_as_date(day), 0)) for day, members in active}


def _unique_active_members(start: date, end: date) -> int:
    return int(
        db.session.execute(
            select(func.count(func.distinct(StepRecord.user_id))).where(
                StepRecord.recorded_date.between(start, end)
            )
        ).scalar_one()
    )


def _coin_movements(start: date, end: date) -> list[tuple[date, str, int, int]]:
    """(UTC day, transaction type, Σ amount, Σ frozen_change) per day and type."""
    day = _utc_day(CoinTransaction.created_at)
    rows = db.session.execute(
        select(
            day,
            CoinTransaction.transaction_type,
            func.sum(CoinTransaction.amount),
            func.sum(CoinTransaction.frozen_change),
        )
        .where(_created_between(CoinTransaction.created_at, start, end))
        .group_by(day, CoinTransaction.transaction_type)
    ).all()
    return [(_as_date(d), kind, int(amount), int(frozen)) for d, kind, amount, frozen in rows]


def _review_numbers(start: date, end: date) -> ReviewNumbers:
    status = StepValidation.status
    row = db.session.execute(
        select(
            func.count(StepRecord.id),
            func.count(StepValidation.id),
            func.coalesce(
                func.sum(
                    case((status.in_((CaseStatus.APPROVED, CaseStatus.REJECTED)), 1), else_=0)
                ),
                0,
            ),
            func.coalesce(func.sum(case((status == CaseStatus.APPROVED, 1), else_=0)), 0),
        )
        .select_from(StepRecord)
        .outerjoin(StepValidation, StepValidation.step_record_id == StepRecord.id)
        .where(StepRecord.recorded_date.between(start, end))
    ).one()
    return ReviewNumbers(*(int(value) for value in row))


def _top_products(start: date, end: date, limit: int) -> list[TopProduct]:
    units = func.sum(OrderItem.quantity)
    coins = func.sum(OrderItem.quantity * OrderItem.coin_price_at_purchase)
    rows = db.session.execute(
        select(OrderItem.product_id, RewardProduct.title, units, coins)
        .join(Order, Order.id == OrderItem.order_id)
        .join(RewardProduct, RewardProduct.id == OrderItem.product_id)
        .where(
            Order.status != OrderStatus.CANCELLED, _created_between(Order.created_at, start, end)
        )
        .group_by(OrderItem.product_id, RewardProduct.title)
        .order_by(units.desc(), coins.desc(), RewardProduct.title)
        .limit(limit)
    ).all()
    return [TopProduct(pid, title, int(u), int(c)) for pid, title, u, c in rows]


def _funnel(start: date, end: date) -> Funnel:
    synced = exists().where(StepRecord.user_id == User.id)
    redeemed = exists().where(Order.user_id == User.id, Order.status != OrderStatus.CANCELLED)
    row = db.session.execute(
        select(
            func.count(User.id),
            func.coalesce(func.sum(case((synced, 1), else_=0)), 0),
            func.coalesce(func.sum(case((redeemed, 1), else_=0)), 0),
        ).where(User.role == "member", _created_between(User.created_at, start, end))
    ).one()
    return Funnel(*(int(value) for value in row))


def _promo_numbers(start: date, end: date, granted: int) -> PromoNumbers:
    row = db.session.execute(
        select(
            func.count(PromoRedemption.id),
            func.count(PromoRedemption.order_id),
            func.coalesce(
                func.sum(case((PromoRedemption.order_id.is_not(None), PromoRedemption.coins))), 0
            ),
        ).where(_created_between(PromoRedemption.created_at, start, end))
    ).one()
    return PromoNumbers(int(row[0]), int(row[1]), granted, int(row[2]))


def analytics(start: date, end: date, *, top: int = TOP_PRODUCTS) -> Analytics:
    check_range(start, end)
    steps = _step_days(start, end)
    coin_days: dict[date, dict[str, int]] = {}
    totals = dict.fromkeys(("issued", "spent", "frozen", "released", "refunded", "adjusted"), 0)
    granted = 0
    for day, kind, amount, frozen in _coin_movements(start, end):
        bucket = coin_days.setdefault(day, {"issued": 0, "spent": 0, "frozen": 0})
        if kind in ISSUING_TYPES:
            bucket["issued"] += amount
            totals["issued"] += amount
        elif kind == "order_spend":
            bucket["spent"] -= frozen
            totals["spent"] -= frozen
        elif kind == "order_freeze":
            bucket["frozen"] += frozen
            totals["frozen"] += frozen
        elif kind == "order_release":
            totals["released"] -= frozen
        elif kind == "order_refund":
            totals["refunded"] += amount
        elif kind == "admin_adjustment":
            totals["adjusted"] += amount
        elif kind == "promo_credit":
            granted += amount
    days = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        active, credited = steps.get(day, (0, 0))
        coins = coin_days.get(day, {"issued": 0, "spent": 0, "frozen": 0})
        days.append(
            DayPoint(
                day=day,
                active_members=active,
                credited_steps=credited,
                coins_issued=coins["issued"],
                coins_spent=coins["spent"],
                coins_frozen=coins["frozen"],
            )
        )
    return Analytics(
        start=start,
        end=end,
        days=days,
        unique_active_members=_unique_active_members(start, end),
        coins=CoinTotals(**totals),
        review=_review_numbers(start, end),
        top_products=_top_products(start, end, top),
        funnel=_funnel(start, end),
        promo=_promo_numbers(start, end, granted),
    )
