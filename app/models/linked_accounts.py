"""Linked accounts: the phones and sign-up address each account used, and held bonuses."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigID, JSONType, Timestamps, UTCDateTime, sql_in


class HoldStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


HOLD_STATUSES = tuple(status.value for status in HoldStatus)


class AccountDevice(Timestamps, Base):
    """One phone (`device_id` from /steps/sync) one account synced from."""

    __tablename__ = "account_devices"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[str] = mapped_column(String(128))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    syncs: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        UniqueConstraint("user_id", "device_id"),
        # "Which other accounts used this phone?" is asked on every sync.
        Index("ix_account_devices_device_seen", "device_id", "last_seen_at"),
    )


class SignupAddress(Timestamps, Base):
    """The network address an account was created from."""

    __tablename__ = "signup_addresses"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    ip_address: Mapped[str] = mapped_column(String(45), index=True)


class ReferralHold(Timestamps, Base):
    """A referral bonus between linked accounts, held until an admin decides."""

    __tablename__ = "referral_holds"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), unique=True)
    reasons: Mapped[list] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (CheckConstraint(sql_in("status", HOLD_STATUSES), name="status"),)
