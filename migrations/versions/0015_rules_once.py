"""Drop the `daily_step_summary` and `user_stats` views: nothing reads them.

`daily_step_summary` was a second definition of a day's credited steps, which now lives
once, in `app/steps/credited.py`; `user_stats`, built on it, was read by no code either.
Downgrade rebuilds both as 0001 made them.

Revision ID: 0015_rules_once
Revises: 0014_challenges_teams
Create Date: 2026-12-01 12:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015_rules_once'
down_revision = '0014_challenges_teams'
branch_labels = None
depends_on = None

# As 0001_initial_schema created them (portable SQL); user_stats reads daily_step_summary.
VIEWS = {
    "daily_step_summary": """
        CREATE VIEW daily_step_summary AS
        SELECT user_id,
               recorded_date,
               MAX(CASE WHEN status = 'verified' THEN steps ELSE 0 END) AS credited_steps,
               MAX(steps) AS max_reported_steps,
               COUNT(*) AS source_count,
               SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) AS pending_sources,
               SUM(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END) AS rejected_sources
        FROM step_records
        GROUP BY user_id, recorded_date
    """,
    "user_stats": """
        CREATE VIEW user_stats AS
        SELECT u.id AS user_id,
               u.full_name,
               COALESCE(d.total_steps, 0) AS total_credited_steps,
               COALESCE(d.active_days, 0) AS active_days,
               COALESCE(w.available_coins, 0) AS available_coins,
               COALESCE(w.frozen_coins, 0) AS frozen_coins,
               COALESCE(w.lifetime_earned, 0) AS lifetime_earned,
               COALESCE(w.lifetime_spent, 0) AS lifetime_spent,
               (SELECT COUNT(*) FROM user_achievements ua WHERE ua.user_id = u.id)
                   AS achievements_count,
               (SELECT COUNT(*) FROM orders o WHERE o.user_id = u.id) AS orders_count,
               (SELECT COUNT(*) FROM referrals r WHERE r.referrer_id = u.id) AS referrals_count
        FROM users u
        LEFT JOIN wallets w ON w.user_id = u.id
        LEFT JOIN (
            SELECT user_id,
                   SUM(credited_steps) AS total_steps,
                   SUM(CASE WHEN credited_steps > 0 THEN 1 ELSE 0 END) AS active_days
            FROM daily_step_summary
            GROUP BY user_id
        ) d ON d.user_id = u.id
        WHERE u.deleted_at IS NULL
    """,
}


def upgrade():
    for name in ("user_stats", "daily_step_summary"):
        op.execute(f"DROP VIEW {name}")


def downgrade():
    for name in ("daily_step_summary", "user_stats"):
        op.execute(VIEWS[name])
