"""Promo codes (coins granted or coins off an order) with their redemptions; the order
e-mail outbox; the member's order e-mail preference.

`users.order_emails` is added in place (ADD COLUMN with a constant default needs no table
rebuild on either database) and dropped the same way (SQLite ≥ 3.35 drops columns).

Revision ID: 0012_promo_codes
Revises: 0011_shop_engagement
Create Date: 2026-12-01 11:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_promo_codes'
down_revision = '0011_shop_engagement'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('promo_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('max_uses', sa.Integer(), nullable=True),
    sa.Column('max_uses_per_member', sa.Integer(), server_default='1', nullable=False),
    sa.Column('min_order_coins', sa.Integer(), server_default='0', nullable=False),
    sa.Column('first_order_only', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('times_used', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint("kind IN ('coins','percent','fixed')", name=op.f('ck_promo_codes_kind')),
    sa.CheckConstraint('value > 0', name=op.f('ck_promo_codes_value_positive')),
    sa.CheckConstraint("kind <> 'percent' OR value < 100", name=op.f('ck_promo_codes_percent_below_100')),
    sa.CheckConstraint('max_uses IS NULL OR max_uses > 0', name=op.f('ck_promo_codes_max_uses_positive')),
    sa.CheckConstraint('max_uses_per_member > 0', name=op.f('ck_promo_codes_per_member_positive')),
    sa.CheckConstraint('min_order_coins >= 0', name=op.f('ck_promo_codes_min_order_not_negative')),
    sa.CheckConstraint('times_used >= 0 AND (max_uses IS NULL OR times_used <= max_uses)', name=op.f('ck_promo_codes_uses_within_limit')),
    sa.CheckConstraint('starts_at IS NULL OR ends_at IS NULL OR ends_at > starts_at', name=op.f('ck_promo_codes_dates_in_order')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_promo_codes_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_promo_codes')),
    sa.UniqueConstraint('code', name=op.f('uq_promo_codes_code'))
    )
    op.create_table('promo_redemptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('promo_code_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('coins', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('coins > 0', name=op.f('ck_promo_redemptions_coins_positive')),
    sa.ForeignKeyConstraint(['promo_code_id'], ['promo_codes.id'], name=op.f('fk_promo_redemptions_promo_code_id_promo_codes')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_promo_redemptions_user_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_promo_redemptions_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_promo_redemptions')),
    sa.UniqueConstraint('order_id', name=op.f('uq_promo_redemptions_order_id'))
    )
    op.create_index('ix_promo_redemptions_code_user', 'promo_redemptions', ['promo_code_id', 'user_id'], unique=False)
    op.create_index('ix_promo_redemptions_created_at', 'promo_redemptions', ['created_at'], unique=False)
    op.create_table('outbound_mails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=True),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('text_body', sa.Text(), nullable=False),
    sa.Column('html_body', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=8), server_default='pending', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint("status IN ('pending','sending','sent','failed')", name=op.f('ck_outbound_mails_status')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_outbound_mails_attempts_not_negative')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outbound_mails_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_mails'))
    )
    op.create_index('ix_outbound_mails_status', 'outbound_mails', ['status', 'id'], unique=False)
    op.add_column('users', sa.Column('order_emails', sa.Boolean(), server_default=sa.text('true'), nullable=False))


def downgrade():
    op.drop_column('users', 'order_emails')
    op.drop_index('ix_outbound_mails_status', table_name='outbound_mails')
    op.drop_table('outbound_mails')
    op.drop_index('ix_promo_redemptions_created_at', table_name='promo_redemptions')
    op.drop_index('ix_promo_redemptions_code_user', table_name='promo_redemptions')
    op.drop_table('promo_redemptions')
    op.drop_table('promo_codes')
