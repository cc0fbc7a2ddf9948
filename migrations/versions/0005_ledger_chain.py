"""Ledger hash chain: `prev_hash` and `row_hash` on coin_transactions, backfilled per member.

Revision ID: 0005_ledger_chain
Revises: 0006_fraud_signals
Create Date: 2026-12-01 09:00:00.000000

"""
import hashlib
import json
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_ledger_chain'
down_revision = '0006_fraud_signals'
branch_labels = None
depends_on = None

# Frozen copy of app/coins/ledger_chain.py (version 1 of the encoding): the backfill must
# hash exactly as the app does, and keep doing so whatever the app's modules become.
GENESIS_HASH = hashlib.sha256(b"fitkart coin ledger genesis v1").hexdigest()
HASHED_COLUMNS = (
    "user_id", "transaction_type", "amount", "frozen_change", "available_after",
    "frozen_after", "reference_type", "reference_id", "ledger_key", "description",
    "created_by_id", "created_at",
)

# The append-only triggers of 0001, set aside while the backfill writes the new columns.
SQLITE_GUARDS = {
    "coin_transactions_no_update": """
    CREATE TRIGGER coin_transactions_no_update BEFORE UPDATE ON coin_transactions
    BEGIN SELECT RAISE(ABORT, 'coin_transactions is append-only: UPDATE refused'); END
    """,
    "coin_transactions_no_delete": """
    CREATE TRIGGER coin_transactions_no_delete BEFORE DELETE ON coin_transactions
    BEGIN SELECT RAISE(ABORT, 'coin_transactions is append-only: DELETE refused'); END
    """,
}
POSTGRES_ROW_GUARD = "coin_transactions_append_only_rows"


def _encode(value):
    if isinstance(value, str) and value[:4].isdigit() and len(value) >= 19 and value[10] in " T":
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def _row_hash(row, prev_hash):
    payload = [1, prev_hash, *(_encode(row[column]) for column in HASHED_COLUMNS)]
    encoded = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _backfill(connection):
    ledger = sa.table(
        "coin_transactions",
        sa.column("id"),
        sa.column("prev_hash"),
        sa.column("row_hash"),
        *(sa.column(name) for name in HASHED_COLUMNS),
    )
    rows = connection.execute(
        sa.select(ledger).order_by(ledger.c.user_id, ledger.c.id)
    ).mappings().all()
    updates = []
    previous_user, prev_hash = None, GENESIS_HASH
    for row in rows:
        if row["user_id"] != previous_user:
            previous_user, prev_hash = row["user_id"], GENESIS_HASH
        digest = _row_hash(row, prev_hash)
        updates.append({"row_id": row["id"], "prev": prev_hash, "digest": digest})
        prev_hash = digest
    if updates:
        connection.execute(
            ledger.update()
            .where(ledger.c.id == sa.bindparam("row_id"))
            .values(prev_hash=sa.bindparam("prev"), row_hash=sa.bindparam("digest")),
            updates,
        )


def upgrade():
    with op.batch_alter_table('coin_transactions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('row_hash', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_coin_transactions_user_id_id', ['user_id', 'id'], unique=False)

    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        op.execute(f"ALTER TABLE coin_transactions DISABLE TRIGGER {POSTGRES_ROW_GUARD}")
        _backfill(connection)
        op.execute(f"ALTER TABLE coin_transactions ENABLE TRIGGER {POSTGRES_ROW_GUARD}")
    else:
        op.execute("DROP TRIGGER IF EXISTS coin_transactions_no_update")
        _backfill(connection)
        op.execute(SQLITE_GUARDS["coin_transactions_no_update"])


def downgrade():
    with op.batch_alter_table('coin_transactions', schema=None) as batch_op:
        batch_op.drop_index('ix_coin_transactions_user_id_id')
    # Native DROP COLUMN (SQLite >= 3.35) keeps the table, so its triggers stay in place.
    op.execute("ALTER TABLE coin_transactions DROP COLUMN row_hash")
    op.execute("ALTER TABLE coin_transactions DROP COLUMN prev_hash")
