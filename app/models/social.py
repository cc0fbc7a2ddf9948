"""Friends: one row per pair of members, whoever asked first."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, CreatedAt, UTCDateTime, sql_in


class FriendshipStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    BLOCKED = "blocked"


FRIENDSHIP_STATUSES = tuple(status.value for status in FriendshipStatus)


class Friendship(CreatedAt, Base):
    """`low_user_id` < `high_user_id`, so a pair has exactly one row in either direction."""

    __tablename__ = "friendships"

    id: Mapped[int] = mapped_column(primary_key=True)
    low_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    high_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    blocked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("low_user_id", "high_user_id"),
        CheckConstraint("low_user_id < high_user_id", name="ordered_pair"),
        CheckConstraint(sql_in("status", FRIENDSHIP_STATUSES), name="status"),
        CheckConstraint(
            "(status = 'blocked') = (blocked_by_id IS NOT NULL)", name="blocked_by_when_blocked"
        ),
        Index("ix_friendships_high_user", "high_user_id", "status"),
    )

    def other(self, user_id: int) -> int:
        return self.high_user_id if user_id == self.low_user_id else self.low_user_id
