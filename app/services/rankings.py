"""Reading the precomputed leaderboards (the nightly job writes leaderboard_cache)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models.gamification import LeaderboardEntry
from app.models.users import User


@dataclass(frozen=True)
class RankedMember:
    rank: int
    display_name: str
    total_steps: int
    user_id: int


@dataclass(frozen=True)
class Board:
    period: str
    period_start: date | None
    generated_at: datetime | None
    entries: list[RankedMember]
    me: RankedMember | None


def board(period: str, limit: int, user_id: int | None) -> Board:
    """The latest board of a period: its top `limit` rows and the member's own row."""
    start = db.session.execute(
        select(func.max(LeaderboardEntry.period_start)).where(LeaderboardEntry.period == period)
    ).scalar_one()
    if start is None:
        return Board(period, None, None, [], None)
    base = (
        select(LeaderboardEntry, User)
        .join(User, User.id == LeaderboardEntry.user_id)
        .where(LeaderboardEntry.period == period, LeaderboardEntry.period_start == start)
    )
    rows = db.session.execute(
        base.order_by(LeaderboardEntry.rank, LeaderboardEntry.user_id).limit(limit)
    ).all()
    entries = [_ranked(entry, user) for entry, user in rows]
    me = None
    if user_id is not None:
        mine = db.session.execute(base.where(LeaderboardEntry.user_id == user_id)).first()
        me = _ranked(*mine) if mine else None
    generated = max((entry.generated_at for entry, _ in rows), default=None)
    return Board(period, start, generated, entries, me)


def _ranked(entry: LeaderboardEntry, user: User) -> RankedMember:
    return RankedMember(
        rank=entry.rank,
        display_name=user.display_name,
        total_steps=entry.total_steps,
        user_id=user.id,
    )
