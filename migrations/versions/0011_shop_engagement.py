"""Wishlists, saving goals, product reviews and review reports.

A member's wishlist (one row per product), the one reward they save toward (with the
time they were last told it became affordable), reviews of delivered rewards (1-5 and a
short plain text, hidden by moderators) and members' reports of reviews.

Revision ID: 0011_shop_engagement
Revises: 0010_ledger_types
Create Date: 2026-12-01 11:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_shop_engagement'
down_revision = '0010_ledger_types'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('product_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), server_default='', nullable=False),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_reason', sa.String(length=300), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_product_reviews_rating_range')),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_product_reviews_hidden_by_id_users')),
    sa.ForeignKeyConstraint(['product_id'], ['reward_products.id'], name=op.f('fk_product_reviews_product_id_reward_products')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_product_reviews_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_reviews')),
    sa.UniqueConstraint('user_id', 'product_id', name=op.f('uq_product_reviews_user_id_product_id'))
    )
    op.create_index('ix_product_reviews_product_created', 'product_reviews', ['product_id', 'created_at'], unique=False)

    op.create_table('saving_goals',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('affordable_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['reward_products.id'], name=op.f('fk_saving_goals_product_id_reward_products')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saving_goals_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_saving_goals'))
    )
    op.create_index('ix_saving_goals_product_id', 'saving_goals', ['product_id'], unique=False)

    op.create_table('wishlist_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['reward_products.id'], name=op.f('fk_wishlist_items_product_id_reward_products')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_wishlist_items_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wishlist_items')),
    sa.UniqueConstraint('user_id', 'product_id', name=op.f('uq_wishlist_items_user_id_product_id'))
    )
    op.create_index('ix_wishlist_items_product_id', 'wishlist_items', ['product_id'], unique=False)

    op.create_table('review_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=300), server_default='', nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['review_id'], ['product_reviews.id'], name=op.f('fk_review_reports_review_id_product_reviews')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_review_reports_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_reports')),
    sa.UniqueConstraint('review_id', 'user_id', name=op.f('uq_review_reports_review_id_user_id'))
    )
    op.create_index('ix_review_reports_open', 'review_reports', ['review_id', 'resolved_at'], unique=False)



def downgrade():
    op.drop_index('ix_review_reports_open', table_name='review_reports')
    op.drop_table('review_reports')
    op.drop_index('ix_wishlist_items_product_id', table_name='wishlist_items')
    op.drop_table('wishlist_items')
    op.drop_index('ix_saving_goals_product_id', table_name='saving_goals')
    op.drop_table('saving_goals')
    op.drop_index('ix_product_reviews_product_created', table_name='product_reviews')
    op.drop_table('product_reviews')
