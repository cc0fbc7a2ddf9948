"""The member's cart: kept in the database so it survives sessions and devices."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Timestamps


class CartItem(Timestamps, Base):
    __tablename__ = "cart_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("reward_products.id"))
    # The chosen variant, for a product that has them; None for a product without.
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("product_variants.id"))
    quantity: Mapped[int] = mapped_column(Integer)

    product = relationship("RewardProduct")
    variant = relationship("ProductVariant")

    __table_args__ = (
        # One line per product, or per variant for a product with variants (NULLs are
        # distinct in a unique index, hence two partial ones).
        Index(
            "uq_cart_items_user_product",
            "user_id",
            "product_id",
            unique=True,
            sqlite_where=text("variant_id IS NULL"),
            postgresql_where=text("variant_id IS NULL"),
        ),
        Index(
            "uq_cart_items_user_variant",
            "user_id",
            "variant_id",
            unique=True,
            sqlite_where=text("variant_id IS NOT NULL"),
            postgresql_where=text("variant_id IS NOT NULL"),
        ),
        CheckConstraint("quantity BETWEEN 1 AND 10", name="quantity_range"),
    )
