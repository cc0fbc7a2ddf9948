"""Daily analytics aggregates: a materialized view on PostgreSQL, a live query on SQLite.

`analytics_daily` (migration 0002_jobs) holds one row per day: active members and credited
steps (by the members' own step dates), coins issued / spent / refunded / adjusted, new
members, orders placed and days flagged (by UTC date of creation). The nightly
`analytics_refresh` job refreshes it CONCURRENTLY, so /admin/analytics keeps reading the
old rows while the new ones are computed. SQLite, the small embedded database, has no
materialized views: `daily_analytics` computes the same numbers live there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import text

from app.core.db import is_postgres, transaction
from app.extensions import db

MATERIALIZED_VIEWS = ("analytics_daily",)

# The view's query, for a live read; tests/jobs check it matches the view on PostgreSQL.
_LIVE_DAILY_SQL = """
    WITH member_days AS (
        SELECT user_id, recorded_date AS day, MAX(steps) AS credited
        FROM step_records WHERE status = 'verified'
        GROUP BY user_id, recorded_date
    ),
    steps AS (
        SELECT day, COUNT(*) FILTER (WHERE credited > 0) AS active_members,
               SUM(credited) AS credited_steps
        FROM member_days GROUP BY day
    ),
    coins AS (
        SELECT {created_day} AS day,
               SUM(CASE WHEN transaction_type IN ('step_reward', 'achievement_reward',
                                                  'referral_bonus')
                        THEN amount ELSE 0 END) AS coins_issued,
               SUM(CASE WHEN transaction_type = 'order_spend'
                        THEN -frozen_change ELSE 0 END) AS coins_spent,
               SUM(CASE WHEN transaction_type = 'order_refund'
                        THEN amount ELSE 0 END) AS coins_refunded,
               SUM(CASE WHEN transaction_type = 'admin_adjustment'
                        THEN amount ELSE 0 END) AS coins_adjusted
        FROM coin_transactions GROUP BY 1
    ),
    signups AS (
        SELECT {created_day} AS day, COUNT(*) AS new_members
        FROM users WHERE role = 'member' GROUP BY 1
    ),
    placed AS (SELECT {created_day} AS day, COUNT(*) AS orders_placed FROM orders GROUP BY 1),
    flags AS (
        SELECT {created_day} AS day, COUNT(*) AS flagged_days FROM step_validations GROUP BY 1
    ),
    days AS (
        SELECT day FROM steps UNION SELECT day FROM coins UNION SELECT day FROM signups
        UNION SELECT day FROM placed UNION SELECT day FROM flags
    ),
    analytics_daily AS (
        SELECT d.day,
               COALESCE(s.active_members, 0) AS active_members,
               COALESCE(s.credited_steps, 0) AS credited_steps,
               COALESCE(c.coins_issued, 0) AS coins_issued,
               COALESCE(c.coins_spent, 0) AS coins_spent,
               COALESCE(c.coins_refunded, 0) AS coins_refunded,
               COALESCE(c.coins_adjusted, 0) AS coins_adjusted,
               COALESCE(m.new_members, 0) AS new_members,
               COALESCE(o.orders_placed, 0) AS orders_placed,
               COALESCE(f.flagged_days, 0) AS flagged_days
        FROM days d
        LEFT JOIN steps s ON s.day = d.day
        LEFT JOIN coins c ON c.day = d.day
        LEFT JOIN signups m ON m.day = d.day
        LEFT JOIN placed o ON o.day = d.day
        LEFT JOIN flags f ON f.day = d.day
    )
"""
_SELECT_RANGE = "SELECT * FROM analytics_daily WHERE day BETWEEN :start AND :end ORDER BY day"


@dataclass(frozen=True)
class DailyAnalytics:
    day: date
    active_members: int
    credited_steps: int
    coins_issued: int
    coins_spent: int
    coins_refunded: int
    coins_adjusted: int
    new_members: int
    orders_placed: int
    flagged_days: int


def refresh_materialized_views() -> list[str]:
    """Refresh every analytics view concurrently (PostgreSQL); returns the names refreshed."""
    if not is_postgres():
        return []
    with transaction():
        for name in MATERIALIZED_VIEWS:
            db.session.execute(text(f"REFRESH MATERIALIZED VIEW CONCURRENTLY {name}"))
    return list(MATERIALIZED_VIEWS)


def daily_analytics(start: date, end: date, *, live: bool = False) -> list[DailyAnalytics]:
    """Days from start to end (inclusive) that had any activity, oldest first.

    PostgreSQL reads the materialized view (as of its last refresh) unless `live`.
    """
    if is_postgres() and not live:
        sql = _SELECT_RANGE
    else:
        created_day = (
            "(created_at AT TIME ZONE 'UTC')::date" if is_postgres() else "date(created_at)"
        )
        sql = _LIVE_DAILY_SQL.format(created_day=created_day) + _SELECT_RANGE
    bounds: dict[str, date | str] = {"start": start, "end": end}
    if not is_postgres():
        bounds = {"start": start.isoformat(), "end": end.isoformat()}
    rows = db.session.execute(text(sql), bounds).all()
    return [
        DailyAnalytics(
            day=row.day if isinstance(row.day, date) else date.fromisoformat(row.day),
            **{name: int(getattr(row, name)) for name in _COUNTS},
        )
        for row in rows
    ]


_COUNTS = (
    "active_members",
    "credited_steps",
    "coins_issued",
    "coins_spent",
    "coins_refunded",
    "coins_adjusted",
    "new_members",
    "orders_placed",
    "flagged_days",
)
