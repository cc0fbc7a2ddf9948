"""Wallet reconciliation (SPEC §2): every wallet checked against the ledger, drift reported.

The ledger is the truth and the wallet a cache of it. One set-based query sums the ledger
per member (the same sums as `ledger.ledger_totals`) and returns only the wallets that
disagree. Drift is recorded in the `reconcile_wallets` run's details and shown on
/admin through `latest_drift()`. Nothing here ever changes a wallet: a drifted wallet is
a bug or tampering to investigate, and an admin corrects it through the ledger.

The same run walks every member's hash chain (app/coins/ledger_chain.py) and reports the
first broken row per member, then publishes a digest of all chain heads to the audit log
(`admin_logs`, action `ledger.chain_heads`). The next run checks that history up to the
published heads still hashes to the published digest, so a rewrite that recomputed every
hash after an edit is found too.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Subquery, case, func, or_, select

from app.backoffice import audit, job_runs
from app.coins import ledger_chain
from app.coins.ledger import EARNING_TYPES
from app.extensions import db
from app.models.admin import AdminLog
from app.models.wallet import CoinTransaction, Wallet

logger = logging.getLogger("app.reconciliation")

RECONCILE_JOB = "reconcile_wallets"
# A run's details keep this many drifted wallets; the count is always complete.
DRIFT_DETAIL_LIMIT = 200
CHAIN_HEADS_ACTION = "ledger.chain_heads"
# Published heads cover rows at least this old: no transaction still open then can later
# commit a row below the published mark.
HISTORY_SETTLE_TIME = timedelta(minutes=15)


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
class ChainBreak:
    """The first row of a member's chain that does not verify, and why."""

    user_id: int
    row_id: int
    # content_changed: the row no longer hashes to its row_hash (edited in place);
    # link_broken: its prev_hash is not the previous row's hash (rows removed, added or
    # reordered before it); unhashed: written around the ledger, without a hash.
    problem: str


@dataclass(frozen=True)
class PublishedHeads:
    log_id: int
    published_at: datetime
    through_row_id: int
    heads_digest: str


@dataclass(frozen=True)
class ChainVerification:
    members: int
    rows: int
    breaks: list[ChainBreak]
    # The heads of history settled by `settled_before`, to publish.
    through_row_id: int | None
    heads_digest: str
    # What the previous publication said, and whether history up to it still matches.
    previous: PublishedHeads | None = None
    previous_matches: bool | None = None

    def as_details(self) -> dict[str, Any]:
        return {
            "members": self.members,
            "rows": self.rows,
            "broken_count": len(self.breaks),
            "broken": [asdict(item) for item in self.breaks[:DRIFT_DETAIL_LIMIT]],
            "through_row_id": self.through_row_id,
            "heads_digest": self.heads_digest,
            "previous_log_id": self.previous.log_id if self.previous else None,
            "previous_matches": self.previous_matches,
        }


@dataclass(frozen=True)
class DriftReport:
    checked_at: datetime
    run_id: int
    wallets_checked: int
    drift_count: int
    drift: list[dict[str, Any]]
    chains: dict[str, Any] = field(default_factory=dict)


def _ledger_sums() -> Subquery:
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
        chains=dict(details.get("chains") or {}),
    )


def latest_published_heads() -> PublishedHeads | None:
    entry = db.session.execute(
        select(AdminLog)
        .where(AdminLog.action == CHAIN_HEADS_ACTION)
        .order_by(AdminLog.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if entry is None or not entry.after:
        return None
    return PublishedHeads(
        log_id=entry.id,
        published_at=entry.created_at,
        through_row_id=int(entry.after["through_row_id"]),
        heads_digest=str(entry.after["heads_digest"]),
    )


def _settled_mark(settled_before: datetime) -> int | None:
    return db.session.execute(
        select(func.max(CoinTransaction.id)).where(CoinTransaction.created_at < settled_before)
    ).scalar_one()


def verify_ledger_chains(*, now: datetime) -> ChainVerification:
    """Walk every member's chain in id order; read-only. `now` dates the settled history."""
    previous = latest_published_heads()
    mark = _settled_mark(now - HISTORY_SETTLE_TIME)
    old_mark = previous.through_row_id if previous else None
    t = CoinTransaction
    hashed = [getattr(t, column) for column in ledger_chain.HASHED_COLUMNS]
    rows = db.session.execute(
        select(t.id, t.prev_hash, t.row_hash, *hashed)
        .order_by(t.user_id, t.id)
        .execution_options(yield_per=2000)
    ).mappings()
    breaks: list[ChainBreak] = []
    heads: dict[int, tuple[int, str | None]] = {}
    old_heads: dict[int, tuple[int, str | None]] = {}
    members = count = 0
    previous_user_id, expected, broken = None, ledger_chain.GENESIS_HASH, False
    for row in rows:
        count += 1
        user_id: int = row["user_id"]
        if user_id != previous_user_id:
            previous_user_id, expected, broken = user_id, ledger_chain.GENESIS_HASH, False
            members += 1
        if mark is not None and row["id"] <= mark:
            heads[user_id] = (row["id"], row["row_hash"])
        if old_mark is not None and row["id"] <= old_mark:
            old_heads[user_id] = (row["id"], row["row_hash"])
        if broken:
            continue
        problem = _chain_problem(row, expected)
        if problem:
            breaks.append(ChainBreak(user_id=user_id, row_id=row["id"], problem=problem))
            broken = True
        expected = row["row_hash"]
    digest = _digest(heads)
    matches = None if previous is None else _digest(old_heads) == previous.heads_digest
    return ChainVerification(
        members=members,
        rows=count,
        breaks=breaks,
        through_row_id=mark,
        heads_digest=digest,
        previous=previous,
        previous_matches=matches,
    )


def _chain_problem(row: Any, expected_prev: str | None) -> str | None:
    if row["row_hash"] is None:
        return "unhashed"
    if row["prev_hash"] != expected_prev:
        return "link_broken"
    if ledger_chain.row_hash(row, row["prev_hash"]) != row["row_hash"]:
        return "content_changed"
    return None


def _digest(heads: dict[int, tuple[int, str | None]]) -> str:
    return ledger_chain.heads_digest(
        (user_id, row_id, head or "") for user_id, (row_id, head) in heads.items()
    )


def publish_chain_heads(verification: ChainVerification) -> AdminLog | None:
    """Write the settled chain heads' digest to the audit log (and the log stream, so a copy
    lives outside the database too). Nothing to publish before any history has settled."""
    if verification.through_row_id is None:
        return None
    after = {
        "through_row_id": verification.through_row_id,
        "heads_digest": verification.heads_digest,
        "members": verification.members,
        "rows": verification.rows,
        "broken_count": len(verification.breaks),
    }
    logger.info("ledger chain heads %s", after)
    return audit.record_admin_action(
        None,
        CHAIN_HEADS_ACTION,
        "ledger",
        verification.through_row_id,
        after=after,
        note="Daily digest of every member's ledger chain head (reconcile_wallets).",
    )
