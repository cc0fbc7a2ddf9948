"""Initial schema: every table, the ledger's append-only triggers and the three views.

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 01:33:31.804791

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# The SQL below is frozen with this revision: later changes to views or triggers
# go in a new revision, never here.
APPEND_ONLY_POSTGRES = [
    """
    CREATE OR REPLACE FUNCTION coin_transactions_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING
            MESSAGE = 'coin_transactions is append-only: ' || TG_OP || ' refused',
            ERRCODE = 'restrict_violation';
    END;
    $$
    """,
    """
    CREATE TRIGGER coin_transactions_append_only_rows
    BEFORE UPDATE OR DELETE ON coin_transactions
    FOR EACH ROW EXECUTE FUNCTION coin_transactions_append_only()
    """,
    """
    CREATE TRIGGER coin_transactions_append_only_truncate
    BEFORE TRUNCATE ON coin_transactions
    FOR EACH STATEMENT EXECUTE FUNCTION coin_transactions_append_only()
    """,
]

APPEND_ONLY_SQLITE = [
    """
    CREATE TRIGGER coin_transactions_no_update BEFORE UPDATE ON coin_transactions
    BEGIN SELECT RAISE(ABORT, 'coin_transactions is append-only: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER coin_transactions_no_delete BEFORE DELETE ON coin_transactions
    BEGIN SELECT RAISE(ABORT, 'coin_transactions is append-only: DELETE refused'); END
    """,
]

DROP_APPEND_ONLY_POSTGRES = [
    "DROP TRIGGER IF EXISTS coin_transactions_append_only_truncate ON coin_transactions",
    "DROP TRIGGER IF EXISTS coin_transactions_append_only_rows ON coin_transactions",
    "DROP FUNCTION IF EXISTS coin_transactions_append_only()",
]

DROP_APPEND_ONLY_SQLITE = [
    "DROP TRIGGER IF EXISTS coin_transactions_no_update",
    "DROP TRIGGER IF EXISTS coin_transactions_no_delete",
]

# Portable SQL: the same text builds the views on SQLite and PostgreSQL.
VIEWS = {
    "active_users": """
        CREATE VIEW active_users AS
        SELECT id, email, full_name, role, timezone, referral_code, created_at, last_login_at
        FROM users
        WHERE status = 'active' AND deleted_at IS NULL
    """,
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
# Dropped in reverse: user_stats reads daily_step_summary.
VIEW_DROP_ORDER = ["user_stats", "daily_step_summary", "active_users"]


def create_ledger_guards(connection):
    statements = (
        APPEND_ONLY_POSTGRES if connection.dialect.name == "postgresql" else APPEND_ONLY_SQLITE
    )
    for statement in statements:
        connection.exec_driver_sql(statement)


def drop_ledger_guards(connection):
    statements = (
        DROP_APPEND_ONLY_POSTGRES
        if connection.dialect.name == "postgresql"
        else DROP_APPEND_ONLY_SQLITE
    )
    for statement in statements:
        connection.exec_driver_sql(statement)


def create_views(connection):
    for statement in VIEWS.values():
        connection.exec_driver_sql(statement)


def drop_views(connection):
    for name in VIEW_DROP_ORDER:
        connection.exec_driver_sql(f"DROP VIEW IF EXISTS {name}")


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('achievements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('icon', sa.String(length=50), server_default='badge', nullable=False),
    sa.Column('unlock_criteria', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('reward_coins', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('(true)'), nullable=False),
    sa.Column('sort_order', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('reward_coins >= 0', name=op.f('ck_achievements_reward_non_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_achievements')),
    sa.UniqueConstraint('code', name=op.f('uq_achievements_code'))
    )
    op.create_table('job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_name', sa.String(length=64), nullable=False),
    sa.Column('trigger', sa.String(length=16), server_default='schedule', nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=16), server_default='running', nullable=False),
    sa.Column('rows_touched', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('error_text', sa.Text(), nullable=True),
    sa.CheckConstraint("outcome IN ('running','success','failed','skipped')", name=op.f('ck_job_runs_outcome')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs'))
    )
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.create_index('ix_job_runs_job_started', ['job_name', 'started_at'], unique=False)

    op.create_table('reward_products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('category', sa.String(length=60), nullable=False),
    sa.Column('image_url', sa.String(length=500), nullable=True),
    sa.Column('coin_price', sa.Integer(), nullable=False),
    sa.Column('stock_quantity', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('(true)'), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=True),
    sa.Column('shopify_product_id', sa.String(length=64), nullable=True),
    sa.Column('shopify_variant_id', sa.String(length=64), nullable=True),
    sa.Column('price_set_by_admin', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('coin_price > 0', name=op.f('ck_reward_products_coin_price_positive')),
    sa.CheckConstraint('stock_quantity >= 0', name=op.f('ck_reward_products_stock_non_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reward_products')),
    sa.UniqueConstraint('shopify_product_id', name=op.f('uq_reward_products_shopify_product_id'))
    )
    with op.batch_alter_table('reward_products', schema=None) as batch_op:
        batch_op.create_index('ix_reward_products_category', ['category'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=100), nullable=False),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=16), server_default='member', nullable=False),
    sa.Column('status', sa.String(length=16), server_default='active', nullable=False),
    sa.Column('status_reason', sa.String(length=500), nullable=True),
    sa.Column('timezone', sa.String(length=64), server_default='UTC', nullable=False),
    sa.Column('referral_code', sa.String(length=8), nullable=False),
    sa.Column('referred_by_id', sa.Integer(), nullable=True),
    sa.Column('leaderboard_hidden', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('show_full_name', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('session_version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint("role IN ('member','admin')", name=op.f('ck_users_role')),
    sa.CheckConstraint("status IN ('active','deactivated','banned')", name=op.f('ck_users_status')),
    sa.CheckConstraint('length(referral_code) = 8', name=op.f('ck_users_referral_code_length')),
    sa.CheckConstraint('referred_by_id IS NULL OR referred_by_id <> id', name=op.f('ck_users_no_self_referral')),
    sa.ForeignKeyConstraint(['referred_by_id'], ['users.id'], name=op.f('fk_users_referred_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('referral_code', name=op.f('uq_users_referral_code'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_created_at', ['created_at'], unique=False)
        batch_op.create_index('uq_users_email_live', ['email'], unique=True, postgresql_where=sa.text('deleted_at IS NULL'), sqlite_where=sa.text('deleted_at IS NULL'))

    op.create_table('admin_logs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('admin_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('entity_type', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=True),
    sa.Column('before', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('after', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=400), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['admin_id'], ['users.id'], name=op.f('fk_admin_logs_admin_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_logs'))
    )
    with op.batch_alter_table('admin_logs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admin_logs_admin_id'), ['admin_id'], unique=False)
        batch_op.create_index('ix_admin_logs_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_admin_logs_entity', ['entity_type', 'entity_id'], unique=False)

    op.create_table('analytics_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=True),
    sa.Column('properties', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=400), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_analytics_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analytics_events'))
    )
    with op.batch_alter_table('analytics_events', schema=None) as batch_op:
        batch_op.create_index('ix_analytics_events_created_brin', ['created_at'], unique=False, postgresql_using='brin')
        batch_op.create_index('ix_analytics_events_type_created', ['event_type', 'created_at'], unique=False)
        batch_op.create_index('ix_analytics_events_user_id', ['user_id'], unique=False)

    op.create_table('idempotency_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request_path', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), server_default='in_progress', nullable=False),
    sa.Column('response_status', sa.Integer(), nullable=True),
    sa.Column('response_body', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint("state IN ('in_progress','completed')", name=op.f('ck_idempotency_keys_state')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_idempotency_keys_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_idempotency_keys_user_id_key'))
    )
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.create_index('ix_idempotency_keys_expires_at', ['expires_at'], unique=False)

    op.create_table('leaderboard_cache',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('total_steps', sa.Integer(), nullable=False),
    sa.Column('reached_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('generated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint("period IN ('weekly','monthly','all_time')", name=op.f('ck_leaderboard_cache_period')),
    sa.CheckConstraint('rank >= 1', name=op.f('ck_leaderboard_cache_rank_positive')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_leaderboard_cache_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leaderboard_cache')),
    sa.UniqueConstraint('period', 'period_start', 'user_id', name=op.f('uq_leaderboard_cache_period_period_start_user_id'))
    )
    with op.batch_alter_table('leaderboard_cache', schema=None) as batch_op:
        batch_op.create_index('ix_leaderboard_cache_period_rank', ['period', 'rank'], unique=False)
        batch_op.create_index(batch_op.f('ix_leaderboard_cache_user_id'), ['user_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), server_default='', nullable=False),
    sa.Column('link', sa.String(length=300), nullable=True),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_read', ['user_id', 'read_at'], unique=False)

    op.create_table('referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referrer_id', sa.Integer(), nullable=False),
    sa.Column('referred_id', sa.Integer(), nullable=False),
    sa.Column('code_used', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('converted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint("status IN ('pending','converted')", name=op.f('ck_referrals_status')),
    sa.CheckConstraint('referrer_id <> referred_id', name=op.f('ck_referrals_not_self')),
    sa.ForeignKeyConstraint(['referred_id'], ['users.id'], name=op.f('fk_referrals_referred_id_users')),
    sa.ForeignKeyConstraint(['referrer_id'], ['users.id'], name=op.f('fk_referrals_referrer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals')),
    sa.UniqueConstraint('referred_id', name=op.f('uq_referrals_referred_id')),
    sa.UniqueConstraint('referrer_id', 'referred_id', name=op.f('uq_referrals_referrer_id_referred_id'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referrals_referrer_id'), ['referrer_id'], unique=False)

    op.create_table('refresh_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('family_id', sa.String(length=36), nullable=False),
    sa.Column('device_name', sa.String(length=120), nullable=True),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=400), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rotated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_refresh_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refresh_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_refresh_tokens_token_hash'))
    )
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_refresh_tokens_expires_at', ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_refresh_tokens_family_id'), ['family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refresh_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_settings_updated_by_id_users')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_settings'))
    )
    op.create_table('step_records',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('recorded_date', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('steps', sa.Integer(), nullable=False),
    sa.Column('distance_m', sa.Float(), nullable=True),
    sa.Column('active_minutes', sa.Integer(), nullable=True),
    sa.Column('recording_method', sa.String(length=16), server_default='automatic', nullable=False),
    sa.Column('client_record_id', sa.String(length=128), nullable=True),
    sa.Column('device_id', sa.String(length=128), nullable=True),
    sa.Column('intervals', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('status', sa.String(length=16), server_default='verified', nullable=False),
    sa.Column('anomaly_score', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint("recording_method IN ('automatic','manual','unknown')", name=op.f('ck_step_records_recording_method')),
    sa.CheckConstraint("source IN ('google_fit','apple_health','health_connect','fitbit','manual')", name=op.f('ck_step_records_source')),
    sa.CheckConstraint("status IN ('verified','pending','rejected')", name=op.f('ck_step_records_status')),
    sa.CheckConstraint('anomaly_score BETWEEN 0 AND 100', name=op.f('ck_step_records_anomaly_score_range')),
    sa.CheckConstraint('distance_m IS NULL OR distance_m >= 0', name=op.f('ck_step_records_distance_non_negative')),
    sa.CheckConstraint('steps >= 0', name=op.f('ck_step_records_steps_non_negative')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_step_records_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_step_records')),
    sa.UniqueConstraint('user_id', 'recorded_date', 'source', name=op.f('uq_step_records_user_id_recorded_date_source'))
    )
    with op.batch_alter_table('step_records', schema=None) as batch_op:
        batch_op.create_index('ix_step_records_created_brin', ['created_at'], unique=False, postgresql_using='brin')
        batch_op.create_index('ix_step_records_date', ['recorded_date'], unique=False)
        batch_op.create_index('ix_step_records_user_date', ['user_id', 'recorded_date'], unique=False)

    op.create_table('user_achievements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.Integer(), nullable=False),
    sa.Column('unlocked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('coins_awarded', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievements.id'], name=op.f('fk_user_achievements_achievement_id_achievements')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_achievements_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_achievements')),
    sa.UniqueConstraint('user_id', 'achievement_id', name=op.f('uq_user_achievements_user_id_achievement_id'))
    )
    with op.batch_alter_table('user_achievements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_achievements_user_id'), ['user_id'], unique=False)

    op.create_table('user_addresses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=40), nullable=True),
    sa.Column('recipient_name', sa.String(length=120), nullable=True),
    sa.Column('line1', sa.String(length=200), nullable=False),
    sa.Column('line2', sa.String(length=200), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=100), nullable=True),
    sa.Column('postal_code', sa.String(length=20), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('is_default', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('length(country) = 2', name=op.f('ck_user_addresses_country_code')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_addresses_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_addresses'))
    )
    with op.batch_alter_table('user_addresses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_addresses_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_user_addresses_default', ['user_id'], unique=True, postgresql_where=sa.text('is_default'), sqlite_where=sa.text('is_default'))

    op.create_table('wallets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('available_coins', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('frozen_coins', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('lifetime_earned', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('lifetime_spent', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('available_coins >= 0', name=op.f('ck_wallets_available_non_negative')),
    sa.CheckConstraint('frozen_coins >= 0', name=op.f('ck_wallets_frozen_non_negative')),
    sa.CheckConstraint('lifetime_earned >= 0', name=op.f('ck_wallets_earned_non_negative')),
    sa.CheckConstraint('lifetime_spent >= 0', name=op.f('ck_wallets_spent_non_negative')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_wallets_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wallets')),
    sa.UniqueConstraint('user_id', name=op.f('uq_wallets_user_id'))
    )
    op.create_table('coin_transactions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('wallet_id', sa.Integer(), nullable=False),
    sa.Column('transaction_type', sa.String(length=32), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('frozen_change', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('available_after', sa.Integer(), nullable=False),
    sa.Column('frozen_after', sa.Integer(), nullable=False),
    sa.Column('reference_type', sa.String(length=32), nullable=True),
    sa.Column('reference_id', sa.String(length=64), nullable=True),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('ledger_key', sa.String(length=120), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint("transaction_type IN ('step_reward','achievement_reward','referral_bonus','order_freeze','order_release','order_spend','order_refund','admin_adjustment')", name=op.f('ck_coin_transactions_type')),
    sa.CheckConstraint('amount <> 0 OR frozen_change <> 0', name=op.f('ck_coin_transactions_moves_something')),
    sa.CheckConstraint('available_after >= 0', name=op.f('ck_coin_transactions_available_after_non_negative')),
    sa.CheckConstraint('frozen_after >= 0', name=op.f('ck_coin_transactions_frozen_after_non_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_coin_transactions_created_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_coin_transactions_user_id_users')),
    sa.ForeignKeyConstraint(['wallet_id'], ['wallets.id'], name=op.f('fk_coin_transactions_wallet_id_wallets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coin_transactions')),
    sa.UniqueConstraint('ledger_key', name=op.f('uq_coin_transactions_ledger_key'))
    )
    with op.batch_alter_table('coin_transactions', schema=None) as batch_op:
        batch_op.create_index('ix_coin_transactions_created_brin', ['created_at'], unique=False, postgresql_using='brin')
        batch_op.create_index('ix_coin_transactions_reference', ['reference_type', 'reference_id'], unique=False)
        batch_op.create_index('ix_coin_transactions_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table('orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_code', sa.String(length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('total_coins', sa.Integer(), nullable=False),
    sa.Column('shipping_address', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('address_id', sa.Integer(), nullable=True),
    sa.Column('tracking_number', sa.String(length=100), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('processing_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refunded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint("status IN ('pending','processing','shipped','delivered','cancelled','refunded')", name=op.f('ck_orders_status')),
    sa.CheckConstraint('total_coins > 0', name=op.f('ck_orders_total_positive')),
    sa.ForeignKeyConstraint(['address_id'], ['user_addresses.id'], name=op.f('fk_orders_address_id_user_addresses')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_orders_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    sa.UniqueConstraint('order_code', name=op.f('uq_orders_order_code'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index('ix_orders_status', ['status'], unique=False)
        batch_op.create_index('ix_orders_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table('step_validations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('step_record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('recorded_date', sa.Date(), nullable=False),
    sa.Column('anomaly_score', sa.Integer(), nullable=False),
    sa.Column('reasons', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('is_suspicious', sa.Boolean(), server_default=sa.text('(true)'), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.Column('appeal_message', sa.Text(), nullable=True),
    sa.Column('appealed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint("status IN ('pending','approved','rejected','appealed')", name=op.f('ck_step_validations_status')),
    sa.CheckConstraint('anomaly_score BETWEEN 0 AND 100', name=op.f('ck_step_validations_anomaly_score_range')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_step_validations_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['step_record_id'], ['step_records.id'], name=op.f('fk_step_validations_step_record_id_step_records')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_step_validations_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_step_validations')),
    sa.UniqueConstraint('step_record_id', name=op.f('uq_step_validations_step_record_id'))
    )
    with op.batch_alter_table('step_validations', schema=None) as batch_op:
        batch_op.create_index('ix_step_validations_open_queue', ['status', 'anomaly_score'], unique=False, postgresql_where=sa.text("status IN ('pending','appealed')"), sqlite_where=sa.text("status IN ('pending','appealed')"))
        batch_op.create_index(batch_op.f('ix_step_validations_user_id'), ['user_id'], unique=False)

    op.create_table('order_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('coin_price_at_purchase', sa.Integer(), nullable=False),
    sa.Column('product_snapshot', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('coin_price_at_purchase > 0', name=op.f('ck_order_items_price_positive')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_order_items_quantity_positive')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_items_order_id_orders')),
    sa.ForeignKeyConstraint(['product_id'], ['reward_products.id'], name=op.f('fk_order_items_product_id_reward_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_items'))
    )
    with op.batch_alter_table('order_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_items_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_items_product_id'), ['product_id'], unique=False)

    # ### end Alembic commands ###
    bind = op.get_bind()
    create_ledger_guards(bind)
    create_views(bind)


def downgrade():
    bind = op.get_bind()
    drop_views(bind)
    drop_ledger_guards(bind)
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('order_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_items_product_id'))
        batch_op.drop_index(batch_op.f('ix_order_items_order_id'))

    op.drop_table('order_items')
    with op.batch_alter_table('step_validations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_step_validations_user_id'))
        batch_op.drop_index('ix_step_validations_open_queue', postgresql_where=sa.text("status IN ('pending','appealed')"), sqlite_where=sa.text("status IN ('pending','appealed')"))

    op.drop_table('step_validations')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_user_created')
        batch_op.drop_index('ix_orders_status')

    op.drop_table('orders')
    with op.batch_alter_table('coin_transactions', schema=None) as batch_op:
        batch_op.drop_index('ix_coin_transactions_user_created')
        batch_op.drop_index('ix_coin_transactions_reference')
        batch_op.drop_index('ix_coin_transactions_created_brin', postgresql_using='brin')

    op.drop_table('coin_transactions')
    op.drop_table('wallets')
    with op.batch_alter_table('user_addresses', schema=None) as batch_op:
        batch_op.drop_index('uq_user_addresses_default', postgresql_where=sa.text('is_default'), sqlite_where=sa.text('is_default'))
        batch_op.drop_index(batch_op.f('ix_user_addresses_user_id'))

    op.drop_table('user_addresses')
    with op.batch_alter_table('user_achievements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_achievements_user_id'))

    op.drop_table('user_achievements')
    with op.batch_alter_table('step_records', schema=None) as batch_op:
        batch_op.drop_index('ix_step_records_user_date')
        batch_op.drop_index('ix_step_records_date')
        batch_op.drop_index('ix_step_records_created_brin', postgresql_using='brin')

    op.drop_table('step_records')
    op.drop_table('settings')
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refresh_tokens_user_id'))
        batch_op.drop_index(batch_op.f('ix_refresh_tokens_family_id'))
        batch_op.drop_index('ix_refresh_tokens_expires_at')

    op.drop_table('refresh_tokens')
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referrals_referrer_id'))

    op.drop_table('referrals')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_read')

    op.drop_table('notifications')
    with op.batch_alter_table('leaderboard_cache', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leaderboard_cache_user_id'))
        batch_op.drop_index('ix_leaderboard_cache_period_rank')

    op.drop_table('leaderboard_cache')
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_idempotency_keys_expires_at')

    op.drop_table('idempotency_keys')
    with op.batch_alter_table('analytics_events', schema=None) as batch_op:
        batch_op.drop_index('ix_analytics_events_user_id')
        batch_op.drop_index('ix_analytics_events_type_created')
        batch_op.drop_index('ix_analytics_events_created_brin', postgresql_using='brin')

    op.drop_table('analytics_events')
    with op.batch_alter_table('admin_logs', schema=None) as batch_op:
        batch_op.drop_index('ix_admin_logs_entity')
        batch_op.drop_index('ix_admin_logs_created_at')
        batch_op.drop_index(batch_op.f('ix_admin_logs_admin_id'))

    op.drop_table('admin_logs')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('uq_users_email_live', postgresql_where=sa.text('deleted_at IS NULL'), sqlite_where=sa.text('deleted_at IS NULL'))
        batch_op.drop_index('ix_users_created_at')

    op.drop_table('users')
    with op.batch_alter_table('reward_products', schema=None) as batch_op:
        batch_op.drop_index('ix_reward_products_category')

    op.drop_table('reward_products')
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_job_runs_job_started')

    op.drop_table('job_runs')
    op.drop_table('achievements')
    # ### end Alembic commands ###
