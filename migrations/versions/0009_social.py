"""Friends: one row per pair of members (invited, accepted, declined or blocked).

Revision ID: 0009_social
Revises: 0008_sign_in
Create Date: 2026-12-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_social'
down_revision = '0008_sign_in'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('friendships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('low_user_id', sa.Integer(), nullable=False),
    sa.Column('high_user_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('blocked_by_id', sa.Integer(), nullable=True),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('low_user_id < high_user_id', name=op.f('ck_friendships_ordered_pair')),
    sa.CheckConstraint("status IN ('pending','accepted','declined','blocked')", name=op.f('ck_friendships_status')),
    sa.CheckConstraint("(status = 'blocked') = (blocked_by_id IS NOT NULL)", name=op.f('ck_friendships_blocked_by_when_blocked')),
    sa.ForeignKeyConstraint(['low_user_id'], ['users.id'], name=op.f('fk_friendships_low_user_id_users')),
    sa.ForeignKeyConstraint(['high_user_id'], ['users.id'], name=op.f('fk_friendships_high_user_id_users')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_friendships_requested_by_id_users')),
    sa.ForeignKeyConstraint(['blocked_by_id'], ['users.id'], name=op.f('fk_friendships_blocked_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_friendships')),
    sa.UniqueConstraint('low_user_id', 'high_user_id', name=op.f('uq_friendships_low_user_id_high_user_id'))
    )
    op.create_index('ix_friendships_high_user', 'friendships', ['high_user_id', 'status'], unique=False)


def downgrade():
    op.drop_index('ix_friendships_high_user', table_name='friendships')
    op.drop_table('friendships')
