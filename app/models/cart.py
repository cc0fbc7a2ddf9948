"""The member's cart: kept in the database so it survives sessions and devices."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Timestamps


class CartItem(Timestamps, Base):
    __tablename__ = "cart_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("reward_products.id"))
    quantity: Mapped[int] = mapped_column(Integer)

    product = relationship("RewardProduct")

    __table_args__ = (
        UniqueConstraint("user_id", "product_id"),
        CheckConstraint("quantity BETWEEN 1 AND 10", name="quantity_range"),
    )
