"""What brings a member back to the shop: wishlists, a saving goal, product reviews."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, CreatedAt, Timestamps, UTCDateTime

REVIEW_MAX_CHARS = 1000
REPORT_REASON_MAX_CHARS = 300


class WishlistItem(CreatedAt, Base):
    __tablename__ = "wishlist_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("reward_products.id"))

    __table_args__ = (
        UniqueConstraint("user_id", "product_id"),
        # Wishlist demand per product (admin) and "who wished for it" (restock notices).
        Index("ix_wishlist_items_product_id", "product_id"),
    )


class SavingGoal(CreatedAt, Base):
    """The one reward a member is saving toward (at most one per member)."""

    __tablename__ = "saving_goals"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("reward_products.id"), index=True)
    # Set once the member was told the goal is affordable; cleared when the balance falls
    # below the price again, so each crossing notifies exactly once.
    affordable_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ProductReview(Timestamps, Base):
    __tablename__ = "product_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("reward_products.id"))
    rating: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text, default="", server_default="")
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    hidden_reason: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (
        UniqueConstraint("user_id", "product_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        Index("ix_product_reviews_product_created", "product_id", "created_at"),
    )


class ReviewReport(CreatedAt, Base):
    """A member's report of a review that breaks the rules; resolved by a moderator."""

    __tablename__ = "review_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("product_reviews.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(
        String(REPORT_REASON_MAX_CHARS), default="", server_default=""
    )
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("review_id", "user_id"),
        Index("ix_review_reports_open", "review_id", "resolved_at"),
    )
