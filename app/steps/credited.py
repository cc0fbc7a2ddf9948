"""A day's credited steps (SPEC §3), defined once for every reader.

A member's day is credited with its largest *verified* record across sources: sources
overlap, so they are never added up. Records under review (`pending`) or `rejected` count
nothing until an approval makes them verified. The daily cap limits the day's coins
(`coins_for_steps`), not its credited steps: a 30,000-step day is credited 30,000.

Sync (history and coins), re-scoring and review, achievements, analytics (its live SQL is
compiled from this query), leaderboards and friends' weekly totals all read
`credited_days`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.sql import Subquery

from app.extensions import db
from app.models.steps import RecordStatus, StepRecord


def credited_days(*where: ColumnElement[bool]) -> Subquery:
    """One row per member-day that has a verified record, with the day's credited steps.

    Columns: `user_id`, `day`, `steps` (the credited steps) and `reached_at` (when the
    record supplying them was last synced; of two sources with the same largest count, the
    earlier one). `where` filters step records (member, dates) before the day is picked.
    """
    record = StepRecord
    ranked = (
        select(
            record.user_id,
            record.recorded_date.label("day"),
            record.steps,
            record.updated_at.label("reached_at"),
            func.row_number()
            .over(
                partition_by=(record.user_id, record.recorded_date),
                order_by=(record.steps.desc(), record.updated_at, record.id),
            )
            .label("pick"),
        )
        .where(record.status == RecordStatus.VERIFIED, *where)
        .subquery("credited_records")
    )
    return (
        select(ranked.c.user_id, ranked.c.day, ranked.c.steps, ranked.c.reached_at)
        .where(ranked.c.pick == 1)
        .subquery("credited_days")
    )


def credited_by_day(user_id: int, *where: ColumnElement[bool]) -> dict[date, int]:
    """{day: credited steps} of one member; days with nothing verified are left out."""
    days = credited_days(StepRecord.user_id == user_id, *where)
    return {day: int(steps) for day, steps in db.session.execute(select(days.c.day, days.c.steps))}


def credited_by_member(user_ids: Iterable[int], since: date) -> dict[int, dict[date, int]]:
    """{member: {day: credited steps}} from `since` on, for several members in one query."""
    days = credited_days(StepRecord.user_id.in_(list(user_ids)), StepRecord.recorded_date >= since)
    history: dict[int, dict[date, int]] = defaultdict(dict)
    for user_id, day, steps in db.session.execute(select(days.c.user_id, days.c.day, days.c.steps)):
        history[user_id][day] = int(steps)
    return history


def credited_of(records: Iterable[tuple[date, int, str]]) -> dict[date, int]:
    """The same rule over records already read as (day, steps, status): {day: the largest
    verified steps}. Sync reads a member's recent records once and scores a batch on them."""
    credited: dict[date, int] = {}
    for day, steps, status in records:
        if status == RecordStatus.VERIFIED:
            credited[day] = max(credited.get(day, 0), steps)
    return credited
