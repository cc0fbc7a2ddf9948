"""The ledger hash chain: every writing path links each member's rows, in id order."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from app.coins import ledger, ledger_chain
from app.coins.reconciliation import verify_ledger_chains
from app.core.db import transaction
from app.extensions import db
from app.models.wallet import CoinTransaction

NOW = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)


def chain_of(user_id: int) -> list[CoinTransaction]:
    db.session.expire_all()
    return list(
        db.session.execute(
            select(CoinTransaction)
            .where(CoinTransaction.user_id == user_id)
            .order_by(CoinTransaction.id)
        ).scalars()
    )


def assert_linked(rows: list[CoinTransaction]) -> None:
    expected_prev = ledger_chain.GENESIS_HASH
    for row in rows:
        content = {column: getattr(row, column) for column in ledger_chain.HASHED_COLUMNS}
        assert row.prev_hash == expected_prev
        assert row.row_hash == ledger_chain.row_hash(content, row.prev_hash)
        expected_prev = row.row_hash


def test_every_writing_path_extends_the_members_chain(make_member):
    walker, other = make_member(), make_member()
    with transaction():
        ledger.award_step_coins(walker.id, date(2026, 3, 1), 40, now=NOW)
        ledger.award_achievements(walker.id, {"first_steps": 10, "week": 5}, now=NOW)
        ledger.post_step_rewards_for_members(
            {
                walker.id: {date(2026, 3, 2): 30, date(2026, 3, 3): 20},
                other.id: {date(2026, 3, 2): 7},
            },
            now=NOW,
        )
        ledger.freeze_for_order(walker.id, 1, "FK-2026-000001", 60, now=NOW)
        ledger.release_for_order(walker.id, 1, "FK-2026-000001", 60, now=NOW)
        ledger.adjust_by_admin(walker.id, -5, "Correction", admin_id=other.id, now=NOW)

    rows = chain_of(walker.id)
    assert len(rows) == 8
    assert_linked(rows)
    assert_linked(chain_of(other.id))
    # Chains are per member: the other member's first row starts from the genesis hash.
    assert chain_of(other.id)[0].prev_hash == ledger_chain.GENESIS_HASH
    check = verify_ledger_chains(now=NOW + timedelta(hours=1))
    assert (check.members, check.rows, check.breaks) == (2, 9, [])


def test_a_replayed_movement_adds_no_link(make_member):
    walker = make_member()
    with transaction():
        first = ledger.award_achievement(walker.id, "first_steps", 10, now=NOW)
        again = ledger.award_achievement(walker.id, "first_steps", 10, now=NOW)
    assert again.id == first.id
    assert len(chain_of(walker.id)) == 1


def test_the_hash_covers_every_listed_column_and_the_previous_hash():
    content = {
        "user_id": 1,
        "transaction_type": "admin_adjustment",
        "amount": 5,
        "frozen_change": 0,
        "available_after": 5,
        "frozen_after": 0,
        "reference_type": "admin",
        "reference_id": "2",
        "ledger_key": None,
        "description": "Adjustment: x",
        "created_by_id": 2,
        "created_at": NOW,
    }
    base = ledger_chain.row_hash(content, ledger_chain.GENESIS_HASH)
    for column, other in [("amount", 6), ("description", "Adjustment: y"), ("created_by_id", 3)]:
        assert ledger_chain.row_hash({**content, column: other}, ledger_chain.GENESIS_HASH) != base
    assert ledger_chain.row_hash(content, "0" * 64) != base
    # The same instant spelled naive-UTC (SQLite) or in another zone hashes the same.
    naive = {**content, "created_at": NOW.replace(tzinfo=None)}
    assert ledger_chain.row_hash(naive, ledger_chain.GENESIS_HASH) == base
