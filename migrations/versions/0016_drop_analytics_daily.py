"""Dead weight out: the `analytics_daily` materialized view and `is_suspicious`.

`analytics_daily` was refreshed nightly and read by nothing: /admin/analytics computes its
numbers from the tables (app/backoffice/analytics.py), so the view, its nightly
`analytics_refresh` job and its reader go. Only PostgreSQL had the view. Downgrading builds
it again as 0002_jobs made it.

`step_validations.is_suspicious` was true on every row and read by nothing (a validation's
`status` says where a case stands). SQLite drops a plain column in place (3.35+).

Revision ID: 0016_drop_analytics_daily
Revises: 0015_rules_once
Create Date: 2026-12-01 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_drop_analytics_daily'
down_revision = '0015_rules_once'
branch_labels = None
depends_on = None

# As 0002_jobs created it, for the downgrade.
ANALYTICS_DAILY_POSTGRES = """
    CREATE MATERIALIZED VIEW analytics_daily AS
    WITH member_days AS (
        SELECT user_id, recorded_date AS day, MAX(steps) AS credited
        FROM step_records
        WHERE status = 'verified'
        GROUP BY user_id, recorded_date
    ),
    steps AS (
        SELECT day,
               COUNT(*) FILTER (WHERE credited > 0) AS active_members,
               SUM(credited) AS credited_steps
        FROM member_days
        GROUP BY day
    ),
    coins AS (
        SELECT (created_at AT TIME ZONE 'UTC')::date AS day,
               SUM(CASE WHEN transaction_type IN ('step_reward', 'achievement_reward',
                                                  'referral_bonus')
                        THEN amount ELSE 0 END) AS coins_issued,
               SUM(CASE WHEN transaction_type = 'order_spend'
                        THEN -frozen_change ELSE 0 END) AS coins_spent,
               SUM(CASE WHEN transaction_type = 'order_refund'
                        THEN amount ELSE 0 END) AS coins_refunded,
               SUM(CASE WHEN transaction_type = 'admin_adjustment'
                        THEN amount ELSE 0 END) AS coins_adjusted
        FROM coin_transactions
        GROUP BY 1
    ),
    signups AS (
        SELECT (created_at AT TIME ZONE 'UTC')::date AS day, COUNT(*) AS new_members
        FROM users
        WHERE role = 'member'
        GROUP BY 1
    ),
    placed AS (
        SELECT (created_at AT TIME ZONE 'UTC')::date AS day, COUNT(*) AS orders_placed
        FROM orders
        GROUP BY 1
    ),
    flags AS (
        SELECT (created_at AT TIME ZONE 'UTC')::date AS day, COUNT(*) AS flagged_days
        FROM step_validations
        GROUP BY 1
    ),
    days AS (
        SELECT day FROM steps
        UNION SELECT day FROM coins
        UNION SELECT day FROM signups
        UNION SELECT day FROM placed
        UNION SELECT day FROM flags
    )
    SELECT d.day,
           COALESCE(s.active_members, 0)::bigint AS active_members,
           COALESCE(s.credited_steps, 0)::bigint AS credited_steps,
           COALESCE(c.coins_issued, 0)::bigint AS coins_issued,
           COALESCE(c.coins_spent, 0)::bigint AS coins_spent,
           COALESCE(c.coins_refunded, 0)::bigint AS coins_refunded,
           COALESCE(c.coins_adjusted, 0)::bigint AS coins_adjusted,
           COALESCE(m.new_members, 0)::bigint AS new_members,
           COALESCE(o.orders_placed, 0)::bigint AS orders_placed,
           COALESCE(f.flagged_days, 0)::bigint AS flagged_days
    FROM days d
    LEFT JOIN steps s ON s.day = d.day
    LEFT JOIN coins c ON c.day = d.day
    LEFT JOIN signups m ON m.day = d.day
    LEFT JOIN placed o ON o.day = d.day
    LEFT JOIN flags f ON f.day = d.day
    WITH DATA
"""
# REFRESH … CONCURRENTLY needs a unique index over every row.
ANALYTICS_DAILY_INDEX_POSTGRES = (
    "CREATE UNIQUE INDEX uq_analytics_daily_day ON analytics_daily (day)"
)


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql("DROP MATERIALIZED VIEW IF EXISTS analytics_daily")
    op.execute("ALTER TABLE step_validations DROP COLUMN is_suspicious")


def downgrade():
    op.add_column(
        "step_validations",
        sa.Column("is_suspicious", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(ANALYTICS_DAILY_POSTGRES)
        bind.exec_driver_sql(ANALYTICS_DAILY_INDEX_POSTGRES)
