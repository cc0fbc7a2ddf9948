"""Reading a member's coin history: filtered pages for the wallet page, rows for CSV."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select

from app.core import csv_export
from app.extensions import db
from app.models.wallet import TRANSACTION_TYPES, CoinTransaction

TYPE_LABELS = {
    "step_reward": "Steps",
    "achievement_reward": "Achievement",
    "referral_bonus": "Referral bonus",
    "order_freeze": "Held for order",
    "order_release": "Order cancelled",
    "order_spend": "Order shipped",
    "order_refund": "Order refunded",
    "admin_adjustment": "Adjustment",
    "promo_credit": "Promo code",
    "challenge_stake": "Challenge stake",
    "challenge_release": "Challenge stake returned",
    "challenge_forfeit": "Challenge stake lost",
    "challenge_payout": "Challenge winnings",
}
assert set(TYPE_LABELS) == set(TRANSACTION_TYPES)

CSV_COLUMNS = (
    "id",
    "created_at",
    "transaction_type",
    "amount",
    "frozen_change",
    "available_after",
    "frozen_after",
    "description",
    "reference_type",
    "reference_id",
)


@dataclass(frozen=True)
class LedgerFilter:
    transaction_type: str | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class LedgerPage:
    items: list[CoinTransaction]
    next_before_id: int | None


def _query(user_id: int, filters: LedgerFilter, timezone: str) -> Select:
    """Dates are the member's local calendar days, turned into UTC bounds."""
    zone = ZoneInfo(timezone)
    stmt = select(CoinTransaction).where(CoinTransaction.user_id == user_id)
    if filters.transaction_type in TRANSACTION_TYPES:
        stmt = stmt.where(CoinTransaction.transaction_type == filters.transaction_type)
    if filters.date_from:
        start = datetime.combine(filters.date_from, time.min, tzinfo=zone)
        stmt = stmt.where(CoinTransaction.created_at >= start)
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=zone)
        stmt = stmt.where(CoinTransaction.created_at < end)
    return stmt


def page(
    user_id: int,
    filters: LedgerFilter,
    *,
    timezone: str = "UTC",
    before_id: int | None = None,
    limit: int = 25,
) -> LedgerPage:
    """Newest first; pass `next_before_id` back as `before_id` for the next page."""
    stmt = _query(user_id, filters, timezone)
    if before_id is not None:
        stmt = stmt.where(CoinTransaction.id < before_id)
    rows = list(
        db.session.execute(stmt.order_by(CoinTransaction.id.desc()).limit(limit + 1)).scalars()
    )
    items = rows[:limit]
    return LedgerPage(items, items[-1].id if len(rows) > limit else None)


def count(user_id: int, filters: LedgerFilter, *, timezone: str = "UTC") -> int:
    stmt = _query(user_id, filters, timezone).subquery()
    return db.session.execute(select(func.count()).select_from(stmt)).scalar_one()


def balance_history(user_id: int, start: date, timezone: str = "UTC") -> list[tuple[date, int]]:
    """Available coins at the end of each local day that had a movement, from `start`."""
    zone = ZoneInfo(timezone)
    since = datetime.combine(start, time.min, tzinfo=zone)
    rows = db.session.execute(
        select(CoinTransaction.created_at, CoinTransaction.available_after)
        .where(CoinTransaction.user_id == user_id, CoinTransaction.created_at >= since)
        .order_by(CoinTransaction.id)
    ).all()
    by_day: dict[date, int] = {}
    for created_at, available in rows:
        by_day[created_at.astimezone(zone).date()] = available
    return sorted(by_day.items())


def csv_lines(user_id: int, filters: LedgerFilter, *, timezone: str = "UTC") -> Iterator[str]:
    """The filtered ledger as CSV text, header first, oldest row first.

    The query is built now (a bad filter fails before the download starts) and read as the
    download streams; the cursor is closed even when the client goes away half-way.
    """
    stmt = _query(user_id, filters, timezone).order_by(CoinTransaction.id)
    return _streamed_csv(stmt)


def _streamed_csv(stmt: Select) -> Iterator[str]:
    result = db.session.execute(stmt.execution_options(yield_per=500))
    try:
        rows = (
            [
                row.created_at.isoformat() if column == "created_at" else getattr(row, column)
                for column in CSV_COLUMNS
            ]
            for row in result.scalars()
        )
        yield from csv_export.csv_lines(CSV_COLUMNS, rows)
    finally:
        result.close()
