"""Each member's credited steps per calendar month, kept so that no board re-reads history.

The monthly boards rank one month's rows and the all-time board sums them (≈17 rows per
member at 500 days, where it used to pick every credited day of every member each night).

- A month's rows are rebuilt from its step records (`app.steps.credited`, the one rule)
  until the month has settled (the leaderboards' settle rule), and once more after that.
- After that a month is only *checked*: members with a step record of that month written
  since the last check (`updated_at`: a late approval or rejection of an old day, or
  anything else that rewrote a record) get that month recomputed. So the stored months
  always equal a from-scratch count, not only within the backfill window.
- Rows cover every member, hidden, banned and deleted ones too: who is shown is decided
  when a board is ranked, so unhiding brings back a member's whole history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Date, Select, delete, func, literal, select, update

from app.extensions import db
from app.models.gamification import LeaderboardMonth, MemberMonthSteps
from app.models.steps import StepRecord
from app.steps.credited import credited_days

# A record stamped just before the last check may have committed just after it began.
CHECK_OVERLAP = timedelta(hours=1)
# Members per statement when recomputing a month for some of them.
MEMBERS_PER_STATEMENT = 500


@dataclass(frozen=True)
class MonthsRefreshed:
    rebuilt: list[date]
    members_rechecked: int


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(start: date) -> date:
    return (start + timedelta(days=32)).replace(day=1)


def _month_rows(start: date, *where: ColumnElement[bool]) -> Select:
    """(month_start, user_id, total_steps, reached_at) of one month, from its step records."""
    per_day = credited_days(
        StepRecord.recorded_date >= start, StepRecord.recorded_date < next_month(start), *where
    )
    return (
        select(
            literal(start, Date()),
            per_day.c.user_id,
            func.sum(per_day.c.steps),
            func.max(per_day.c.reached_at),
        )
        .where(per_day.c.steps > 0)
        .group_by(per_day.c.user_id)
    )


def _insert_month_rows(start: date, *where: ColumnElement[bool]) -> None:
    table = MemberMonthSteps.__table__
    db.session.execute(
        table.insert().from_select(
            [table.c.month_start, table.c.user_id, table.c.total_steps, table.c.reached_at],
            _month_rows(start, *where),
        )
    )


def rebuild_month(start: date, *, now: datetime) -> None:
    """Replace one month's rows from all its step records (in the caller's transaction)."""
    db.session.execute(delete(MemberMonthSteps).where(MemberMonthSteps.month_start == start))
    _insert_month_rows(start)
    db.session.merge(LeaderboardMonth(month_start=start, built_at=now, checked_at=now))
    db.session.flush()


def refresh(*, now: datetime, settles_at: Callable[[date], datetime]) -> MonthsRefreshed:
    """Bring every month up to date (in the caller's transaction): rebuild those that may
    still change or were never built, recompute the changed members of the others."""
    first_day, last_day = db.session.execute(
        select(func.min(StepRecord.recorded_date), func.max(StepRecord.recorded_date))
    ).one()
    if first_day is None:
        return MonthsRefreshed([], 0)
    states = {
        row.month_start: row for row in db.session.execute(select(LeaderboardMonth)).scalars()
    }
    months = [month_start(first_day)]
    while months[-1] < month_start(max(last_day, now.date())):
        months.append(next_month(months[-1]))

    rebuilt, to_check = [], []
    for start in months:
        state = states.get(start)
        if state is not None and state.built_at >= now:
            continue  # built by this run already (its monthly board)
        if state is None or state.built_at < settles_at(start):
            rebuild_month(start, now=now)
            rebuilt.append(start)
        elif state.checked_at < now:
            to_check.append(state)
    return MonthsRefreshed(rebuilt, _recheck_changed_members(to_check, now=now))


def _recheck_changed_members(months: list[LeaderboardMonth], *, now: datetime) -> int:
    """Recompute, in settled months, the members whose records there changed since the
    month's last check. Returns how many (member, month) pairs were recomputed."""
    if not months:
        return 0
    since = min(month.checked_at for month in months) - CHECK_OVERLAP
    starts = {month.month_start for month in months}
    changed = db.session.execute(
        select(StepRecord.user_id, StepRecord.recorded_date)
        .where(
            StepRecord.updated_at >= since,
            StepRecord.recorded_date >= min(starts),
            StepRecord.recorded_date < next_month(max(starts)),
        )
        .distinct()
    ).all()
    members: dict[date, set[int]] = defaultdict(set)
    for user_id, day in changed:
        if month_start(day) in starts:
            members[month_start(day)].add(user_id)
    for start, user_ids in members.items():
        ordered = sorted(user_ids)
        for offset in range(0, len(ordered), MEMBERS_PER_STATEMENT):
            chunk = ordered[offset : offset + MEMBERS_PER_STATEMENT]
            db.session.execute(
                delete(MemberMonthSteps).where(
                    MemberMonthSteps.month_start == start, MemberMonthSteps.user_id.in_(chunk)
                )
            )
            _insert_month_rows(start, StepRecord.user_id.in_(chunk))
    db.session.execute(
        update(LeaderboardMonth)
        .where(LeaderboardMonth.month_start.in_(starts))
        .values(checked_at=now)
    )
    return sum(len(user_ids) for user_ids in members.values())
