"""Steps: per-day credited totals and coins (SPEC §3). Sync lands here too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select

from app.extensions import db
from app.models.base import utcnow
from app.models.steps import StepRecord
from app.models.users import User
from app.models.wallet import CoinTransaction


@dataclass(frozen=True)
class DayTotal:
    day: date
    credited_steps: int
    coins: int
    pending: bool
    rejected: bool


def member_today(user: User, now: datetime | None = None) -> date:
    """The member's local calendar date (SPEC §3: dates are the member's own)."""
    return (now or utcnow()).astimezone(ZoneInfo(user.timezone)).date()


def coins_for_steps(credited_steps: int, *, daily_step_cap: int, steps_per_coin: int) -> int:
    return min(credited_steps, daily_step_cap) // steps_per_coin


def daily_totals(user_id: int, start: date, end: date) -> list[DayTotal]:
    """One entry per day from start to end inclusive, days without records as zeros."""
    credited = {
        row.recorded_date: row
        for row in db.session.execute(
            select(
                StepRecord.recorded_date,
                func.max(case((StepRecord.status == "verified", StepRecord.steps), else_=0)).label(
                    "credited"
                ),
                func.sum(case((StepRecord.status == "pending", 1), else_=0)).label("pending"),
                func.sum(case((StepRecord.status == "rejected", 1), else_=0)).label("rejected"),
            )
            .where(
                StepRecord.user_id == user_id,
                StepRecord.recorded_date.between(start, end),
            )
            .group_by(StepRecord.recorded_date)
        )
    }
    coins = dict(
        db.session.execute(
            select(CoinTransaction.reference_id, func.sum(CoinTransaction.amount))
            .where(
                CoinTransaction.user_id == user_id,
                CoinTransaction.transaction_type == "step_reward",
                CoinTransaction.reference_type == "step_day",
                CoinTransaction.reference_id.between(start.isoformat(), end.isoformat()),
            )
            .group_by(CoinTransaction.reference_id)
        ).all()
    )
    days: list[DayTotal] = []
    day = start
    while day <= end:
        row = credited.get(day)
        days.append(
            DayTotal(
                day=day,
                credited_steps=int(row.credited) if row else 0,
                coins=int(coins.get(day.isoformat(), 0)),
                pending=bool(row and row.pending),
                rejected=bool(row and row.rejected),
            )
        )
        day += timedelta(days=1)
    return days


def streak(days: list[DayTotal], minimum_steps: int = 1) -> int:
    """Consecutive days up to the last one with credited steps; today may still be empty."""
    count = 0
    for index, entry in enumerate(reversed(days)):
        if entry.credited_steps >= minimum_steps:
            count += 1
        elif index == 0:
            continue
        else:
            break
    return count
