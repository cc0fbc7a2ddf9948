"""Groups of members: challenges between friends (with an optional stake each) and teams."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, CreatedAt, Timestamps, UTCDateTime, sql_in

GOAL_TYPES = ("most_steps", "first_to_target", "reach_target", "daily_goal")
# open: before settlement (upcoming or running); void: too few joined by the first day.
CHALLENGE_STATUSES = ("open", "cancelled", "void", "settled")
PARTICIPANT_STATUSES = ("invited", "joined", "declined")
# won: stake back plus a share of the pot; lost: stake forfeited; returned: stake back.
OUTCOMES = ("won", "lost", "returned")


class Challenge(Timestamps, Base):
    """Runs from `start_date` to `end_date` inclusive on the creator's calendar."""

    __tablename__ = "challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(80))
    goal_type: Mapped[str] = mapped_column(String(20))
    target_steps: Mapped[int | None] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    stake_coins: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    max_participants: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    pot_coins: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint(sql_in("goal_type", GOAL_TYPES), name="goal_type"),
        CheckConstraint(sql_in("status", CHALLENGE_STATUSES), name="status"),
        CheckConstraint("end_date >= start_date", name="dates_in_order"),
        CheckConstraint("stake_coins >= 0", name="stake_non_negative"),
        CheckConstraint("pot_coins >= 0", name="pot_non_negative"),
        CheckConstraint("max_participants >= 2", name="at_least_two"),
        CheckConstraint(
            "(goal_type = 'most_steps') = (target_steps IS NULL)", name="target_when_needed"
        ),
        CheckConstraint("target_steps IS NULL OR target_steps > 0", name="target_positive"),
        # The nightly settlement reads the open challenges only.
        Index(
            "ix_challenges_open_end",
            "end_date",
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
    )


class ChallengeParticipant(CreatedAt, Base):
    """One member invited to (and perhaps in) one challenge."""

    __tablename__ = "challenge_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="invited", server_default="invited")
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What was frozen on joining (the challenge's stake then).
    stake_coins: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    outcome: Mapped[str | None] = mapped_column(String(16))
    payout_coins: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    final_steps: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("challenge_id", "user_id"),
        CheckConstraint(sql_in("status", PARTICIPANT_STATUSES), name="status"),
        CheckConstraint(f"outcome IS NULL OR {sql_in('outcome', OUTCOMES)}", name="outcome"),
        CheckConstraint("(status = 'joined') = (joined_at IS NOT NULL)", name="joined_when"),
        CheckConstraint("stake_coins >= 0", name="stake_non_negative"),
        CheckConstraint("payout_coins >= 0", name="payout_non_negative"),
        Index("ix_challenge_participants_user", "user_id", "status"),
    )


class Team(CreatedAt, Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    # The name folded to lower case: two teams cannot differ by case alone.
    name_key: Mapped[str] = mapped_column(String(60), unique=True)
    join_code: Mapped[str] = mapped_column(String(12), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class TeamMember(CreatedAt, Base):
    """A member is on at most one team at a time."""

    __tablename__ = "team_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())
