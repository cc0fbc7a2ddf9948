"""Reads of wallets and the ledger for pages and the API."""

from __future__ import annotations

from sqlalchemy import Select, select

from app.extensions import db
from app.models.wallet import CoinTransaction, Wallet


def fresh_wallet(user_id: int) -> Wallet:
    """The wallet as the database has it now, not as this session cached it earlier."""
    return db.session.execute(
        select(Wallet).where(Wallet.user_id == user_id).execution_options(populate_existing=True)
    ).scalar_one()


def transactions_statement(user_id: int) -> Select:
    """The member's ledger rows, unordered (the caller pages them)."""
    return select(CoinTransaction).where(CoinTransaction.user_id == user_id)


def latest_transactions(user_id: int, limit: int = 50) -> list[CoinTransaction]:
    return list(
        db.session.execute(
            transactions_statement(user_id).order_by(CoinTransaction.id.desc()).limit(limit)
        ).scalars()
    )
