"""Reward products members redeem coins for."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps


class RewardProduct(Timestamps, Base):
    __tablename__ = "reward_products"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    category: Mapped[str] = mapped_column(String(60))
    image_url: Mapped[str | None] = mapped_column(String(500))
    coin_price: Mapped[int] = mapped_column(Integer)
    stock_quantity: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    sku: Mapped[str | None] = mapped_column(String(64))
    shopify_product_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    shopify_variant_id: Mapped[str | None] = mapped_column(String(64))
    # Set when an admin typed the coin price; the Shopify sync then leaves the price alone.
    price_set_by_admin: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )

    __table_args__ = (
        CheckConstraint("coin_price > 0", name="coin_price_positive"),
        CheckConstraint("stock_quantity >= 0", name="stock_non_negative"),
        Index("ix_reward_products_category", "category"),
    )

    @property
    def in_stock(self) -> bool:
        return self.stock_quantity > 0
