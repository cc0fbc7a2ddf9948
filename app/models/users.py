"""Members, admins, their sessions, addresses and referrals."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, CreatedAt, Timestamps, UTCDateTime, sql_in

ROLES = ("member", "admin")


class UserStatus(StrEnum):
    ACTIVE = "active"
    DEACTIVATED = "deactivated"
    BANNED = "banned"


class ReferralStatus(StrEnum):
    PENDING = "pending"
    CONVERTED = "converted"  # the referred member's first order shipped: bonuses paid


STATUSES = tuple(status.value for status in UserStatus)
REFERRAL_STATUSES = tuple(status.value for status in ReferralStatus)


class User(UserMixin, Timestamps, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(100))
    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16), default="member", server_default="member")
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    status_reason: Mapped[str | None] = mapped_column(String(500))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    referral_code: Mapped[str] = mapped_column(String(8), unique=True)
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    leaderboard_hidden: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    show_full_name: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    # Order placed / shipped / delivered / cancelled / refunded by e-mail too (in-app always).
    order_emails: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    # Bumped on password change so every other browser session ends.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Until the member follows the mailed link (or types the code), no checkout.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    wallet = relationship("Wallet", back_populates="user", uselist=False)

    __table_args__ = (
        CheckConstraint(sql_in("role", ROLES), name="role"),
        CheckConstraint(sql_in("status", STATUSES), name="status"),
        CheckConstraint("length(referral_code) = 8", name="referral_code_length"),
        CheckConstraint("referred_by_id IS NULL OR referred_by_id <> id", name="no_self_referral"),
        # One live account per e-mail; a deleted account frees its address.
        Index(
            "uq_users_email_live",
            "email",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
        Index("ix_users_created_at", "created_at"),
    )

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_active(self) -> bool:  # Flask-Login: only active, undeleted accounts log in
        return self.status == "active" and self.deleted_at is None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def display_name(self) -> str:
        """ "First L." unless the member opted into the full name (SPEC §4)."""
        return self.full_name if self.show_full_name else short_name(self.full_name)


# Words before a first name that are not one: "Dr. Priya Patel" is "Priya P.", not "Dr. P.".
TITLES = frozenset(
    {"dr", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "sir", "dame", "rev"}
)


def short_name(full_name: str) -> str:
    """ "First L.": the first name (titles skipped) and the last name's initial."""
    parts = full_name.split()
    while len(parts) > 1 and parts[0].rstrip(".").lower() in TITLES:
        parts = parts[1:]
    if len(parts) < 2:
        return parts[0] if parts else "Member"
    return f"{parts[0]} {parts[-1][0]}."


class RefreshToken(CreatedAt, Base):
    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Every token born of one login shares a family; reuse of a rotated one revokes it all.
    family_id: Mapped[str] = mapped_column(String(36), index=True)
    device_name: Mapped[str | None] = mapped_column(String(120))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(400))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_refresh_tokens_expires_at", "expires_at"),)


class UserAddress(Timestamps, Base):
    __tablename__ = "user_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    label: Mapped[str | None] = mapped_column(String(40))
    recipient_name: Mapped[str | None] = mapped_column(String(120))
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    phone: Mapped[str | None] = mapped_column(String(32))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    __table_args__ = (
        CheckConstraint("length(country) = 2", name="country_code"),
        # At most one default address per member.
        Index(
            "uq_user_addresses_default",
            "user_id",
            unique=True,
            postgresql_where=text("is_default"),
            sqlite_where=text("is_default"),
        ),
    )

    def as_dict(self) -> dict[str, str | None]:
        return {
            "recipient_name": self.recipient_name,
            "line1": self.line1,
            "line2": self.line2,
            "city": self.city,
            "state": self.state,
            "postal_code": self.postal_code,
            "country": self.country,
            "phone": self.phone,
        }


class Referral(Timestamps, Base):
    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    referrer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    referred_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    code_used: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint(sql_in("status", REFERRAL_STATUSES), name="status"),
        CheckConstraint("referrer_id <> referred_id", name="not_self"),
        UniqueConstraint("referrer_id", "referred_id"),
    )
