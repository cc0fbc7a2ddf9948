"""Wallet reconciliation (SPEC §2): every wallet checked against the ledger, drift reported.

The ledger is the truth and the wallet a cache of it. One set-based query sums the ledger
per member (the same sums as `ledger.ledger_totals`) and returns only the wallets that
disagree. Drift is recorded in the `reconcile_wallets` run's details and shown on
/admin through `latest_drift()`. Nothing here ever changes a wallet: a drifted wallet is
a bug or tampering to investigate, and an admin corrects it through the ledger.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, or_, select

from app.extensions import db
from app.models.wallet import CoinTransaction, Wallet
from app.services import job_runs
from app.services.ledger import EARNING_TYPES

RECONCILE_JOB = "reconcile_wallets"
# A run's details keep this many drifted wallets; the count is always complete.
DRIFT_DETAIL_LIMIT = 200


@dataclass(frozen=True)
class WalletDrift:
    user_id: int
    wallet: dict[str, int]
    ledger: dict[str, int]

    @property
    def fields(self) -> list[str]:
        return [key for key in self.wallet if self.wallet[key] != self.ledger[key]]

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "fields": self.fields}


@dataclass(frozen=True)
class ReconciliationResult:
    wallets_checked: int
    drift: list[WalletDrift]

    def as_details(self) -> dict[str, Any]:
        return {
            "wallets_checked": self.wallets_checked,
            "drift_count": len(self.drift),
            "drift": [item.as_dict() for item in self.drift[:DRIFT_DETAIL_LIMIT]],
        }


@dataclass(frozen=True)
class DriftReport:
    checked_at: datetime
    run_id: int
    wallets_checked: int
    drift_count: int
    drift: list[dict[str, Any]]


def _ledger_sums():
    t = CoinTransaction
    earned_types = (*EARNING_TYPES, "admin_adjustment")
    # Mirrors ledger.ledger_totals; tests/jobs check the two agree wallet by wallet.
    return (
        select(
            t.user_id.label("user_id"),
            func.sum(t.amount).label("available"),
            func.sum(t.frozen_change).label("frozen"),
            func.sum(
                case((t.transaction_type.in_(earned_types) & (t.amount > 0), t.amount), else_=0)
            ).label("earned"),
            func.sum(
                case(
                    (t.transaction_type == "order_spend", -t.frozen_change),
                    (t.transaction_type == "order_refund", -t.amount),
                    else_=0,
                )
            ).label("spent"),
        )
        .group_by(t.user_id)
        .subquery("ledger")
    )


def find_wallet_drift() -> ReconciliationResult:
    """Every wallet whose balances differ from its ledger's sums, in one query."""
    ledger = _ledger_sums()
    pairs = (
        (Wallet.available_coins, func.coalesce(ledger.c.available, 0)),
        (Wallet.frozen_coins, func.coalesce(ledger.c.frozen, 0)),
        (Wallet.lifetime_earned, func.coalesce(ledger.c.earned, 0)),
        (Wallet.lifetime_spent, func.coalesce(ledger.c.spent, 0)),
    )
    rows = db.session.execute(
        select(Wallet.user_id, *(w for w, _ in pairs), *(sums for _, sums in pairs))
        .outerjoin(ledger, ledger.c.user_id == Wallet.user_id)
        .where(or_(*(wallet != sums for wallet, sums in pairs)))
        .order_by(Wallet.user_id)
    ).all()
    checked = db.session.execute(select(func.count()).select_from(Wallet)).scalar_one()
    names = ("available_coins", "frozen_coins", "lifetime_earned", "lifetime_spent")
    drift = [
        WalletDrift(
            user_id=row[0],
            wallet={name: int(value) for name, value in zip(names, row[1:5], strict=True)},
            ledger={name: int(value) for name, value in zip(names, row[5:9], strict=True)},
        )
        for row in rows
    ]
    return ReconciliationResult(wallets_checked=int(checked), drift=drift)


def latest_drift() -> DriftReport | None:
    """What the newest successful reconciliation found (None: it has never run)."""
    run = job_runs.latest_successful_run(RECONCILE_JOB)
    if run is None:
        return None
    details = run.details or {}
    return DriftReport(
        checked_at=run.finished_at or run.started_at,
        run_id=run.id,
        wallets_checked=int(details.get("wallets_checked", 0)),
        drift_count=int(details.get("drift_count", 0)),
        drift=list(details.get("drift", [])),
    )
