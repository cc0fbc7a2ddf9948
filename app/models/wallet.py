"""The wallet (denormalised balances) and its append-only ledger, coin_transactions."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, BigID, CreatedAt, Timestamps, sql_in

TRANSACTION_TYPES = (
    "step_reward",
    "achievement_reward",
    "referral_bonus",
    "order_freeze",
    "order_release",
    "order_spend",
    "order_refund",
    "admin_adjustment",
    "promo_credit",
    "challenge_stake",
    "challenge_release",
    "challenge_forfeit",
    "challenge_payout",
)


class Wallet(Timestamps, Base):
    __tablename__ = "wallets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    available_coins: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    frozen_coins: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    lifetime_earned: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    lifetime_spent: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))

    user = relationship("User", back_populates="wallet")

    __table_args__ = (
        CheckConstraint("available_coins >= 0", name="available_non_negative"),
        CheckConstraint("frozen_coins >= 0", name="frozen_non_negative"),
        CheckConstraint("lifetime_earned >= 0", name="earned_non_negative"),
        CheckConstraint("lifetime_spent >= 0", name="spent_non_negative"),
    )

    def as_dict(self) -> dict[str, int]:
        return {
            "available_coins": self.available_coins,
            "frozen_coins": self.frozen_coins,
            "lifetime_earned": self.lifetime_earned,
            "lifetime_spent": self.lifetime_spent,
        }


class CoinTransaction(CreatedAt, Base):
    """One movement of coins. Never updated or deleted: the database refuses both."""

    __tablename__ = "coin_transactions"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    wallet_id: Mapped[int] = mapped_column(ForeignKey("wallets.id"))
    transaction_type: Mapped[str] = mapped_column(String(32))
    amount: Mapped[int] = mapped_column(Integer)
    frozen_change: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    available_after: Mapped[int] = mapped_column(Integer)
    frozen_after: Mapped[int] = mapped_column(Integer)
    reference_type: Mapped[str | None] = mapped_column(String(32))
    reference_id: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(500))
    # A movement that must happen once carries a key; the unique index makes "once" hold.
    ledger_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The member's hash chain (app/coins/ledger_chain.py): the previous row's hash and
    # the hash of this row's content with it. Null only if written around the ledger.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        CheckConstraint(sql_in("transaction_type", TRANSACTION_TYPES), name="type"),
        CheckConstraint("amount <> 0 OR frozen_change <> 0", name="moves_something"),
        CheckConstraint("available_after >= 0", name="available_after_non_negative"),
        CheckConstraint("frozen_after >= 0", name="frozen_after_non_negative"),
        Index("ix_coin_transactions_user_created", "user_id", "created_at"),
        # Each member's chain in order: its head, and the walk reconciliation makes.
        Index("ix_coin_transactions_user_id_id", "user_id", "id"),
        Index("ix_coin_transactions_reference", "reference_type", "reference_id"),
        Index("ix_coin_transactions_created_brin", "created_at", postgresql_using="brin"),
    )
