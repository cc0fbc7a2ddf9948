"""Orders of reward products, paid for with frozen-then-spent coins."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, CreatedAt, JSONType, Timestamps, UTCDateTime, sql_in


class OrderStatus(StrEnum):
    """SPEC §4: pending → processing → shipped → delivered; cancelled; refunded."""

    PENDING = "pending"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


ORDER_STATUSES = tuple(status.value for status in OrderStatus)


class Order(Timestamps, Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_code: Mapped[str] = mapped_column(String(20), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    total_coins: Mapped[int] = mapped_column(Integer)
    shipping_address: Mapped[dict] = mapped_column(JSONType)
    address_id: Mapped[int | None] = mapped_column(ForeignKey("user_addresses.id"))
    tracking_number: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    processing_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    items = relationship("OrderItem", back_populates="order", order_by="OrderItem.id")

    __table_args__ = (
        CheckConstraint(sql_in("status", ORDER_STATUSES), name="status"),
        CheckConstraint("total_coins > 0", name="total_positive"),
        Index("ix_orders_user_created", "user_id", "created_at"),
        Index("ix_orders_status", "status"),
        # /admin: the oldest order waiting to ship.
        Index("ix_orders_status_created", "status", "created_at"),
    )


class OrderItem(CreatedAt, Base):
    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("reward_products.id"), index=True)
    # The variant ordered (its title is in the snapshot too); None for a plain product.
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("product_variants.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    coin_price_at_purchase: Mapped[int] = mapped_column(Integer)
    product_snapshot: Mapped[dict] = mapped_column(JSONType)

    order = relationship("Order", back_populates="items")

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("coin_price_at_purchase > 0", name="price_positive"),
    )
