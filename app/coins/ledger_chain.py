"""The ledger's hash chain: each member's `coin_transactions` rows linked by SHA-256.

The append-only trigger stops the application; it does not stop a database superuser who
drops it, edits history and recreates it. So every row also carries `row_hash`, the hash of
its own content and of the member's previous row's hash (`prev_hash`; the first row links
to `GENESIS_HASH`). Changing, removing or reordering any row breaks the chain from that row
on, which `reconciliation.verify_ledger_chains` finds; rewriting the whole chain to match
is caught by the chain heads the nightly reconciliation publishes to the audit log.

The content encoding below is part of the stored data: changing it invalidates every
chain (migrations/versions/0005_ledger_chain.py keeps a frozen copy for the backfill).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

# The hash the first row of every member's chain links to.
GENESIS_HASH = hashlib.sha256(b"fitkart coin ledger genesis v1").hexdigest()

# The columns a row's hash covers, in encoding order.
HASHED_COLUMNS = (
    "user_id",
    "transaction_type",
    "amount",
    "frozen_change",
    "available_after",
    "frozen_after",
    "reference_type",
    "reference_id",
    "ledger_key",
    "description",
    "created_by_id",
    "created_at",
)


def _encode(value: object) -> object:
    if isinstance(value, datetime):
        # One spelling whatever the database hands back (SQLite: naive text; PostgreSQL: aware).
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def row_hash(content: Mapping[str, object], prev_hash: str) -> str:
    """SHA-256 (hex) of a row's content and the previous row's hash."""
    payload = [1, prev_hash, *(_encode(content[column]) for column in HASHED_COLUMNS)]
    encoded = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def heads_digest(heads: Iterable[tuple[int, int, str]]) -> str:
    """One hash over every member's chain head: (user_id, row id, row_hash) triples."""
    digest = hashlib.sha256()
    for user_id, row_id, head in sorted(heads):
        digest.update(f"{user_id}:{row_id}:{head}\n".encode())
    return digest.hexdigest()
