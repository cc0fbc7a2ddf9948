"""Reward products members redeem coins for, and their variants (size, colour…)."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, JSONType, Timestamps


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

    # Every variant, active or not, in the shop's order; members choose among the active ones.
    variants = relationship(
        "ProductVariant",
        back_populates="product",
        order_by=lambda: (ProductVariant.position, ProductVariant.id),
    )

    @property
    def in_stock(self) -> bool:
        return self.stock_quantity > 0

    @property
    def active_variants(self) -> list[ProductVariant]:
        return [variant for variant in self.variants if variant.is_active]

    @property
    def has_variants(self) -> bool:
        """A product with active variants is ordered by variant: each has its stock and price."""
        return bool(self.active_variants)


class ProductVariant(Timestamps, Base):
    """One choice of a reward (e.g. "M / Blue"): its own stock and coin price.

    Stock is reserved on this row; the product's `stock_quantity` is kept as the sum of
    its active variants' stock so the catalogue can sort and filter on it.
    """

    __tablename__ = "product_variants"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("reward_products.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # [{"name": "Size", "value": "M"}, …] as the shop names them.
    options: Mapped[list] = mapped_column(JSONType, default=list)
    sku: Mapped[str | None] = mapped_column(String(64))
    coin_price: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    position: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    shopify_variant_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Set when an admin typed this variant's coin price; the sync then leaves it alone.
    price_set_by_admin: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )

    product = relationship("RewardProduct", back_populates="variants")

    __table_args__ = (
        CheckConstraint("coin_price > 0", name="coin_price_positive"),
        CheckConstraint("stock >= 0", name="stock_non_negative"),
    )

    @property
    def in_stock(self) -> bool:
        return self.stock > 0
