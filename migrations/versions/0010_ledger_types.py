"""Ledger movement types for promo codes and staked challenges.

`promo_credit` (coins granted by a promo code); `challenge_stake` (a participant's stake
frozen on joining), `challenge_release` (a stake returned: cancelled, too few joined,
banned participant), `challenge_forfeit` (a losing stake spent out of frozen) and
`challenge_payout` (the pot paid to a winner).

PostgreSQL: the CHECK is swapped NOT VALID and then validated, so the table is not locked
for the scan. SQLite cannot alter a CHECK; widening an IN list changes nothing on disk, so
the table's stored definition is rewritten in place, the procedure SQLite's ALTER TABLE
documentation gives for such changes (sqlite.org/lang_altertable.html, "other kinds of
table schema changes"), instead of rebuilding the table and its triggers and views.

Revision ID: 0010_ledger_types
Revises: 0009_social
Create Date: 2026-12-01 11:15:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010_ledger_types'
down_revision = '0009_social'
branch_labels = None
depends_on = None

BEFORE = (
    "step_reward", "achievement_reward", "referral_bonus", "order_freeze", "order_release",
    "order_spend", "order_refund", "admin_adjustment",
)
AFTER = BEFORE + (
    "promo_credit", "challenge_stake", "challenge_release", "challenge_forfeit",
    "challenge_payout",
)
NAME = "ck_coin_transactions_type"


def in_list(values):
    return "transaction_type IN (" + ",".join(f"'{v}'" for v in values) + ")"


def swap_check(old, new):
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"ALTER TABLE coin_transactions DROP CONSTRAINT {NAME}")
        connection.exec_driver_sql(
            f"ALTER TABLE coin_transactions ADD CONSTRAINT {NAME} CHECK ({in_list(new)}) NOT VALID"
        )
        connection.exec_driver_sql(f"ALTER TABLE coin_transactions VALIDATE CONSTRAINT {NAME}")
        return
    table_sql = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'coin_transactions'"
    ).scalar()
    if in_list(old) not in table_sql:
        raise RuntimeError(f"coin_transactions' CHECK is not the expected {in_list(old)}")
    version = connection.exec_driver_sql("PRAGMA schema_version").scalar()
    connection.exec_driver_sql("PRAGMA writable_schema = ON")
    connection.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'coin_transactions'",
        (table_sql.replace(in_list(old), in_list(new)),),
    )
    connection.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    connection.exec_driver_sql("PRAGMA writable_schema = OFF")
    problems = connection.exec_driver_sql("PRAGMA integrity_check").scalar()
    if problems != "ok":
        raise RuntimeError(f"integrity check after the CHECK change: {problems}")


def upgrade():
    swap_check(BEFORE, AFTER)


def downgrade():
    connection = op.get_bind()
    new_types = ",".join(f"'{v}'" for v in AFTER if v not in BEFORE)
    used = connection.exec_driver_sql(
        f"SELECT count(*) FROM coin_transactions WHERE transaction_type IN ({new_types})"
    ).scalar()
    if used:
        raise RuntimeError(f"{used} ledger rows use the new types; the ledger is append-only")
    swap_check(AFTER, BEFORE)
