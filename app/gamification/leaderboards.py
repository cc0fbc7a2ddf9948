"""Leaderboards (SPEC §4): weekly, monthly and all-time boards of credited steps.

Built nightly into `leaderboard_cache` by one INSERT … SELECT per board, so the database
does the ranking (window functions; SQLite ≥ 3.25 and PostgreSQL alike). Weekly boards read
their week's step records; monthly and all-time boards rank the members' month totals
(`month_totals`: rebuilt while a month can change, then only checked), so a night's work
does not grow with history:

- A member's day counts its credited steps (`app.steps.credited`); pending and rejected
  records never count.
- Left out: members not `active`, deleted ones, and those who hid themselves.
- Every ranked member is stored (not only the top N), which gives both the top lists and
  each member's own rank. Ranks are unique: ties are broken, never shared.
- Ties go to whoever reached the total first. `reached_at` is the moment the member's
  total was complete in FitKart: the latest `updated_at` among the step records that
  supply each counted day (per day, the largest record; the earlier-synced one if two
  sources report the same largest count). Equal totals rank by `reached_at`, then by user
  id, so the order is fully deterministic.
- Weeks are ISO weeks (Monday start), months calendar months, both by the members' own
  `recorded_date`; all-time has period_start 1970-01-01. "Today" is the UTC date of `now`.
- A past period keeps changing for a while: a sync may still backfill `max_backfill_days`
  days, and the last local day of a period ends up to a day after UTC's. So a period is
  *settled* once `max_backfill_days + 1` days have passed since its end. Until then it is
  rebuilt nightly; the first run after it settles builds it one final time; from then on
  it is never recomputed. The current period is always rebuilt.
- Each board is replaced atomically: delete and insert in one transaction, so a reader
  sees the old board or the new one, never a mix.

Read side: `top_entries`, `member_rank`, `generated_at` read the newest stored board of a
period and leave out members who are hidden, banned or deleted *now* (hiding takes effect
at once; the stored ranks keep their numbers, so a gap can show until the next build).
The top lists and the newest period are cached in Redis (app/core/cache.py); a rebuilt
board, and any change to who is shown or how they are named, drops the cache on commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Insert,
    String,
    delete,
    event,
    false,
    func,
    insert,
    inspect,
    literal,
    select,
    text,
)
from sqlalchemy.orm import object_session
from sqlalchemy.sql import Subquery

from app.backoffice.settings import AppSettings, get_settings
from app.core import cache
from app.core.db import is_postgres, rows_affected, transaction
from app.core.errors import ValidationFailed
from app.extensions import db
from app.gamification import month_totals
from app.models.base import UTCDateTime, utcnow
from app.models.gamification import PERIODS, LeaderboardEntry, MemberMonthSteps
from app.models.steps import StepRecord
from app.models.users import User, UserStatus
from app.steps.credited import credited_days

ALL_TIME_START = date(1970, 1, 1)
CACHE = "leaderboard"
# What a stored board's reader shows of a member: a change to any of them drops the cache.
SHOWN_USER_FIELDS = ("status", "deleted_at", "leaderboard_hidden", "full_name", "show_full_name")


@dataclass(frozen=True)
class PeriodWindow:
    """One board's dates: `start` inclusive, `end` exclusive (None: all-time, never ends)."""

    period: str
    start: date
    end: date | None

    def previous(self) -> PeriodWindow:
        if self.period == "weekly":
            return period_window("weekly", self.start - timedelta(days=7))
        if self.period == "monthly":
            return period_window("monthly", self.start - timedelta(days=1))
        raise ValueError("the all-time board has no previous period")

    def settles_at(self, settle_days: int) -> datetime | None:
        """The moment the period can no longer change (None: never)."""
        if self.end is None:
            return None
        return datetime.combine(self.end + timedelta(days=settle_days), time(0), tzinfo=UTC)


@dataclass(frozen=True)
class BoardBuilt:
    period: str
    period_start: date
    members_ranked: int
    final: bool


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int
    user_id: int
    display_name: str
    total_steps: int
    reached_at: datetime | None


@dataclass(frozen=True)
class MemberRank:
    rank: int
    total_steps: int
    period_start: date
    generated_at: datetime


def check_period(period: str) -> str:
    if period not in PERIODS:
        raise ValidationFailed(
            f"period must be one of {', '.join(PERIODS)}.", details=[{"field": "period"}]
        )
    return period


def period_window(period: str, day: date) -> PeriodWindow:
    """The board of `period` that contains `day`."""
    check_period(period)
    if period == "weekly":
        start = day - timedelta(days=day.weekday())
        return PeriodWindow("weekly", start, start + timedelta(days=7))
    if period == "monthly":
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        return PeriodWindow("monthly", start, end)
    return PeriodWindow("all_time", ALL_TIME_START, None)


def settle_days(settings: AppSettings) -> int:
    # Backfill reaches max_backfill_days back; the extra day covers the furthest time zone.
    return settings.max_backfill_days + 1


def stored_generated_at(period: str, period_start: date) -> datetime | None:
    # A board is written by one INSERT with one generated_at, so its first row tells: one
    # index probe, where max() over the board read all 100K rows (270 ms at 100K members).
    return db.session.execute(
        select(LeaderboardEntry.generated_at)
        .where(LeaderboardEntry.period == period, LeaderboardEntry.period_start == period_start)
        .order_by(LeaderboardEntry.rank)
        .limit(1)
    ).scalar_one_or_none()


def boards_to_build(period: str, *, now: datetime, settle_days: int) -> list[PeriodWindow]:
    """The current board, every past board not yet settled, and settled ones not yet final.

    Walks back from the current period and stops at the first board that is final (built
    after it settled) or, beyond the newest settled one, was never built at all.
    """
    current = period_window(period, now.date())
    boards = [current]
    if current.end is None:
        return boards
    window = current.previous()
    newest_settled = True
    while True:
        settles_at = window.settles_at(settle_days)
        assert settles_at is not None
        if now < settles_at:
            boards.append(window)
        else:
            built = stored_generated_at(period, window.start)
            if built is not None and built >= settles_at:
                break
            if built is None and not newest_settled:
                break
            boards.append(window)
            newest_settled = False
        window = window.previous()
    return boards


def rebuild_board(window: PeriodWindow, *, now: datetime) -> int:
    """Replace one board with a fresh ranking in one transaction. Returns members ranked.

    A weekly board reads its week's step records; a monthly board rebuilds its month's
    totals (`month_totals`) and ranks them; the all-time board brings every month's totals
    up to date first and ranks their sums, so it reads only what may have changed.
    """
    if window.period == "all_time":
        days = settle_days(get_settings())
        with transaction():
            _sort_in_memory()
            month_totals.refresh(
                now=now, settles_at=lambda start: _settles_at(period_window("monthly", start), days)
            )
    with transaction():
        _sort_in_memory()
        if window.period == "monthly":
            month_totals.rebuild_month(window.start, now=now)
        cache.invalidate(CACHE, db.session)
        db.session.execute(
            delete(LeaderboardEntry).where(
                LeaderboardEntry.period == window.period,
                LeaderboardEntry.period_start == window.start,
            )
        )
        ranked = rows_affected(
            # psycopg forgets an INSERT's rowcount once the cursor closes unless asked.
            _insert_ranking(window, now).execution_options(preserve_rowcount=True)
        )
    return ranked


def _sort_in_memory() -> None:
    # Ranking 100K members sorted on disk with the default 4 MB (external merge, twice).
    if is_postgres():
        db.session.execute(text("SET LOCAL work_mem = '64MB'"))


def _settles_at(window: PeriodWindow, days: int) -> datetime:
    settles_at = window.settles_at(days)
    assert settles_at is not None
    return settles_at


def _totals_from_records(window: PeriodWindow) -> Subquery:
    """(user_id, total_steps, reached_at) of shown members over a window's credited days."""
    in_period = [StepRecord.recorded_date >= window.start]
    if window.end is not None:
        in_period.append(StepRecord.recorded_date < window.end)
    per_day = credited_days(*in_period)
    counted = (
        select(per_day.c.user_id, per_day.c.steps, per_day.c.reached_at)
        .join(User, User.id == per_day.c.user_id)
        .where(per_day.c.steps > 0, *_visible_members())
        .subquery("counted_days")
    )
    return (
        select(
            counted.c.user_id,
            func.sum(counted.c.steps).label("total_steps"),
            func.max(counted.c.reached_at).label("reached_at"),
        )
        .group_by(counted.c.user_id)
        .subquery("totals")
    )


def _totals_from_months(window: PeriodWindow) -> Subquery:
    """The same totals summed from the members' month totals (all of them for all-time)."""
    month = MemberMonthSteps
    in_period = [] if window.end is None else [month.month_start == window.start]
    return (
        select(
            month.user_id,
            func.sum(month.total_steps).label("total_steps"),
            func.max(month.reached_at).label("reached_at"),
        )
        .join(User, User.id == month.user_id)
        .where(*_visible_members(), *in_period)
        .group_by(month.user_id)
        .subquery("totals")
    )


def _insert_ranking(window: PeriodWindow, now: datetime) -> Insert:
    totals = (
        _totals_from_records(window) if window.period == "weekly" else _totals_from_months(window)
    )
    generated = literal(now, UTCDateTime())
    ranking = select(
        literal(window.period, String(16)),
        literal(window.start, Date()),
        totals.c.user_id,
        func.row_number().over(
            order_by=(totals.c.total_steps.desc(), totals.c.reached_at, totals.c.user_id)
        ),
        totals.c.total_steps,
        totals.c.reached_at,
        generated,
        generated,
    )
    table = LeaderboardEntry.__table__
    return insert(table).from_select(
        [
            table.c.period,
            table.c.period_start,
            table.c.user_id,
            table.c.rank,
            table.c.total_steps,
            table.c.reached_at,
            table.c.generated_at,
            table.c.created_at,
        ],
        ranking,
    )


def plan_boards(*, now: datetime | None = None) -> list[PeriodWindow]:
    """Every board that tonight's build replaces, in PERIODS order."""
    when = now or utcnow()
    days = settle_days(get_settings())
    with transaction():
        return [
            window
            for period in PERIODS
            for window in boards_to_build(period, now=when, settle_days=days)
        ]


def rebuild_leaderboards(
    *,
    now: datetime | None = None,
    plan: list[PeriodWindow] | None = None,
    progress: Callable[[int], object] | None = None,
) -> list[BoardBuilt]:
    """Rebuild every board that may still change (see the module docstring)."""
    when = now or utcnow()
    days = settle_days(get_settings())
    built = []
    for window in plan if plan is not None else plan_boards(now=when):
        settles_at = window.settles_at(days)
        ranked = rebuild_board(window, now=when)
        built.append(
            BoardBuilt(
                period=window.period,
                period_start=window.start,
                members_ranked=ranked,
                final=settles_at is not None and when >= settles_at,
            )
        )
        if progress is not None:
            progress(1)
    if built and is_postgres():
        # A rewritten table has no fresh statistics until autovacuum comes round: without
        # them the top-100 read plans a nested loop over users (42 ms instead of 4.7 ms).
        # The month totals too: the all-time board's GROUP BY plans from them.
        with transaction():
            db.session.execute(text("ANALYZE leaderboard_cache, leaderboard_month_totals"))
    return built


# --- reading ----------------------------------------------------------------------------


@event.listens_for(User, "after_update")
def _shown_member_changed(_mapper: object, _connection: object, user: User) -> None:
    state: Any = inspect(user)
    if any(state.attrs[name].history.has_changes() for name in SHOWN_USER_FIELDS):
        cache.invalidate(CACHE, object_session(user))


def latest_period_start(period: str) -> date | None:
    """The newest stored board of a period (the current one once tonight's build ran)."""
    check_period(period)

    def load() -> date | None:
        return db.session.execute(
            select(func.max(LeaderboardEntry.period_start)).where(LeaderboardEntry.period == period)
        ).scalar_one()

    return cache.cached(
        CACHE,
        f"latest:{period}",
        load,
        dump=lambda day: day.isoformat() if day else None,
        restore=lambda text: date.fromisoformat(text) if text else None,
    )


def generated_at(period: str, *, period_start: date | None = None) -> datetime | None:
    start = period_start or latest_period_start(period)
    if start is None:
        return None
    return stored_generated_at(period, start)


def _visible_members() -> tuple[ColumnElement[bool], ...]:
    return (
        User.status == UserStatus.ACTIVE,
        User.deleted_at.is_(None),
        User.leaderboard_hidden == false(),
    )


def top_size(period: str, settings: AppSettings | None = None) -> int:
    settings = settings or get_settings()
    return {
        "weekly": settings.leaderboard_top_weekly,
        "monthly": settings.leaderboard_top_monthly,
        "all_time": settings.leaderboard_top_all_time,
    }[check_period(period)]


def top_entries(
    period: str, limit: int | None = None, *, period_start: date | None = None
) -> list[LeaderboardRow]:
    """The top of the newest board, best first; `limit` is capped at the setting's top size."""
    size = top_size(period)
    limit = size if limit is None else max(0, min(limit, size))
    start = period_start or latest_period_start(period)
    if start is None or limit == 0:
        return []
    return cache.cached(
        CACHE,
        f"top:{period}:{start.isoformat()}:{size}:{limit}",
        lambda: _top_entries(period, start, size, limit),
        dump=lambda rows: [_row_json(row) for row in rows],
        restore=lambda rows: [_row_from_json(row) for row in rows],
    )


def _row_json(row: LeaderboardRow) -> dict:
    reached = row.reached_at.isoformat() if row.reached_at else None
    return {**row.__dict__, "reached_at": reached}


def _row_from_json(data: dict) -> LeaderboardRow:
    reached = data["reached_at"]
    return LeaderboardRow(
        **{**data, "reached_at": datetime.fromisoformat(reached) if reached else None}
    )


def _top_entries(period: str, start: date, size: int, limit: int) -> list[LeaderboardRow]:
    rows = db.session.execute(
        select(LeaderboardEntry, User)
        .join(User, User.id == LeaderboardEntry.user_id)
        .where(
            LeaderboardEntry.period == period,
            LeaderboardEntry.period_start == start,
            LeaderboardEntry.rank <= size,
            *_visible_members(),
        )
        .order_by(LeaderboardEntry.rank)
        .limit(limit)
    ).all()
    return [
        LeaderboardRow(
            rank=entry.rank,
            user_id=entry.user_id,
            display_name=user.display_name,
            total_steps=entry.total_steps,
            reached_at=entry.reached_at,
        )
        for entry, user in rows
    ]


def member_rank(
    user_id: int, period: str, *, period_start: date | None = None
) -> MemberRank | None:
    """A member's own place on the newest board, or None when not ranked (or now hidden)."""
    start = period_start or latest_period_start(period)
    if start is None:
        return None
    row = db.session.execute(
        select(LeaderboardEntry)
        .join(User, User.id == LeaderboardEntry.user_id)
        .where(
            LeaderboardEntry.period == period,
            LeaderboardEntry.period_start == start,
            LeaderboardEntry.user_id == user_id,
            *_visible_members(),
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    return MemberRank(
        rank=row.rank,
        total_steps=row.total_steps,
        period_start=row.period_start,
        generated_at=row.generated_at,
    )
