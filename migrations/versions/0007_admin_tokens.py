"""Admin console: personal access tokens for /api/v1/admin, the token name in the audit log,
and the indexes the /admin overview reads through.

Revision ID: 0007_admin_tokens
Revises: 0003_member_web
Create Date: 2026-12-01 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_admin_tokens'
down_revision = '0003_member_web'
branch_labels = None
depends_on = None

OPEN = sa.text("status IN ('pending','appealed')")
REJECTED = sa.text("status = 'rejected'")


def upgrade():
    op.create_table('admin_api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('admin_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('scope', sa.String(length=8), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('token_hint', sa.String(length=16), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_ip', sa.String(length=45), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint("scope IN ('read','write')", name=op.f('ck_admin_api_tokens_scope')),
    sa.ForeignKeyConstraint(['admin_id'], ['users.id'], name=op.f('fk_admin_api_tokens_admin_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_admin_api_tokens_token_hash'))
    )
    with op.batch_alter_table('admin_api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admin_api_tokens_admin_id'), ['admin_id'], unique=False)

    with op.batch_alter_table('admin_logs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_name', sa.String(length=80), nullable=True))

    with op.batch_alter_table('step_records', schema=None) as batch_op:
        batch_op.create_index('ix_step_records_updated_user', ['updated_at', 'user_id'], unique=False)
        batch_op.create_index('ix_step_records_rejected_device', ['recorded_date', 'device_id', 'user_id'], unique=False, postgresql_where=REJECTED, sqlite_where=REJECTED)

    with op.batch_alter_table('step_validations', schema=None) as batch_op:
        batch_op.create_index('ix_step_validations_open_age', ['created_at', 'appealed_at', 'status'], unique=False, postgresql_where=OPEN, sqlite_where=OPEN)
        batch_op.create_index('ix_step_validations_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_step_validations_reviewed_at', ['reviewed_at', 'reviewed_by_id'], unique=False)

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index('ix_orders_status_created', ['status', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_status_created')

    with op.batch_alter_table('step_validations', schema=None) as batch_op:
        batch_op.drop_index('ix_step_validations_reviewed_at')
        batch_op.drop_index('ix_step_validations_created_at')
        batch_op.drop_index('ix_step_validations_open_age', postgresql_where=OPEN, sqlite_where=OPEN)

    with op.batch_alter_table('step_records', schema=None) as batch_op:
        batch_op.drop_index('ix_step_records_rejected_device', postgresql_where=REJECTED, sqlite_where=REJECTED)
        batch_op.drop_index('ix_step_records_updated_user')

    with op.batch_alter_table('admin_logs', schema=None) as batch_op:
        batch_op.drop_column('token_name')

    with op.batch_alter_table('admin_api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_admin_api_tokens_admin_id'))

    op.drop_table('admin_api_tokens')
