"""Achievements and the leaderboard cache."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigID, CreatedAt, JSONType, Timestamps, UTCDateTime, sql_in

PERIODS = ("weekly", "monthly", "all_time")
CRITERIA_KEYS = (
    "total_steps",
    "daily_steps",
    "streak_days",
    "orders_count",
    "referrals_count",
    # The member's current team: its size, and its best weekly average (app/gamification/teams).
    "team_size",
    "team_week_average",
)


class Achievement(Timestamps, Base):
    __tablename__ = "achievements"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    icon: Mapped[str] = mapped_column(String(50), default="badge", server_default="badge")
    unlock_criteria: Mapped[dict] = mapped_column(JSONType)
    reward_coins: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    sort_order: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))

    __table_args__ = (CheckConstraint("reward_coins >= 0", name="reward_non_negative"),)


class UserAchievement(CreatedAt, Base):
    __tablename__ = "user_achievements"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id"))
    unlocked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    coins_awarded: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))

    __table_args__ = (UniqueConstraint("user_id", "achievement_id"),)


class LeaderboardEntry(CreatedAt, Base):
    """One member's precomputed rank in one period (SPEC §4)."""

    __tablename__ = "leaderboard_cache"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    period: Mapped[str] = mapped_column(String(16))
    # Monday of the ISO week, first of the month, or 1970-01-01 for all-time.
    period_start: Mapped[date] = mapped_column(Date)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    total_steps: Mapped[int] = mapped_column(Integer)
    reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint(sql_in("period", PERIODS), name="period"),
        CheckConstraint("rank >= 1", name="rank_positive"),
        UniqueConstraint("period", "period_start", "user_id"),
        # A board's top N straight from the index, however many members it ranks. (Every
        # read names the board's period_start, so (period, rank) alone was dropped: 0019.)
        Index("ix_leaderboard_cache_board_rank", "period", "period_start", "rank"),
    )


class MemberMonthSteps(Base):
    """One member's credited steps in one calendar month: what the monthly and all-time
    boards are ranked from (app/gamification/month_totals.py keeps it)."""

    __tablename__ = "leaderboard_month_totals"

    # Month first: a month is rebuilt whole. No foreign key to users: rows are derived,
    # ranking joins users anyway, and the check cost 4 s per 100K rows written.
    month_start: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    total_steps: Mapped[int] = mapped_column(Integer)
    reached_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LeaderboardMonth(Base):
    """When a month's rows in `leaderboard_month_totals` were built, and checked since."""

    __tablename__ = "leaderboard_months"

    month_start: Mapped[date] = mapped_column(Date, primary_key=True)
    # Rebuilt from all its step records; after the month settled, the last such build.
    built_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Members whose records changed before this moment are counted in the rows.
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())
