"""Promo codes and their redemptions: coins granted, or coins taken off an order."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, CreatedAt, Timestamps, UTCDateTime, sql_in

# coins: a grant to the wallet; percent / fixed: coins off an order at checkout.
PROMO_KINDS = ("coins", "percent", "fixed")


class PromoCode(Timestamps, Base):
    __tablename__ = "promo_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    # Coins granted (coins), coins off (fixed) or the percentage off (percent).
    value: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    max_uses: Mapped[int | None] = mapped_column(Integer)
    max_uses_per_member: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    min_order_coins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    first_order_only: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    # Claimed with a conditional UPDATE, so concurrent redemptions never pass max_uses.
    times_used: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (
        CheckConstraint(sql_in("kind", PROMO_KINDS), name="kind"),
        CheckConstraint("value > 0", name="value_positive"),
        CheckConstraint("kind <> 'percent' OR value < 100", name="percent_below_100"),
        CheckConstraint("max_uses IS NULL OR max_uses > 0", name="max_uses_positive"),
        CheckConstraint("max_uses_per_member > 0", name="per_member_positive"),
        CheckConstraint("min_order_coins >= 0", name="min_order_not_negative"),
        CheckConstraint(
            "times_used >= 0 AND (max_uses IS NULL OR times_used <= max_uses)",
            name="uses_within_limit",
        ),
        CheckConstraint(
            "starts_at IS NULL OR ends_at IS NULL OR ends_at > starts_at", name="dates_in_order"
        ),
    )

    @property
    def is_discount(self) -> bool:
        return self.kind in ("percent", "fixed")

    @property
    def uses_left(self) -> int | None:
        return None if self.max_uses is None else self.max_uses - self.times_used


class PromoRedemption(CreatedAt, Base):
    """One use of a code by a member: the coins granted, or the coins taken off `order_id`."""

    __tablename__ = "promo_redemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    promo_code_id: Mapped[int] = mapped_column(ForeignKey("promo_codes.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), unique=True)
    coins: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint("coins > 0", name="coins_positive"),
        Index("ix_promo_redemptions_code_user", "promo_code_id", "user_id"),
        Index("ix_promo_redemptions_created_at", "created_at"),
    )
