"""Leaderboards kept incrementally: each member's credited steps per calendar month
(`leaderboard_month_totals`) and when each month was built and checked
(`leaderboard_months`). The nightly job fills them on its first run after this migration
(as long as one from-scratch all-time build); from then on it rebuilds only the months
that can still change.

Also drops `ix_leaderboard_cache_period_rank` (period, rank): every read of a board names
its period_start and uses (period, period_start, rank), and the job paid for keeping the
unread index on each of the ≈500K rows it rewrites a night.

Revision ID: 0019_month_totals
Revises: 0018_step_index_diet
Create Date: 2026-12-01 14:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_month_totals'
down_revision = '0018_step_index_diet'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('leaderboard_month_totals',
    sa.Column('month_start', sa.Date(), nullable=False),
    sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('total_steps', sa.Integer(), nullable=False),
    sa.Column('reached_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('month_start', 'user_id', name=op.f('pk_leaderboard_month_totals'))
    )
    op.create_table('leaderboard_months',
    sa.Column('month_start', sa.Date(), nullable=False),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('month_start', name=op.f('pk_leaderboard_months'))
    )


    op.drop_index('ix_leaderboard_cache_period_rank', table_name='leaderboard_cache')


def downgrade():
    op.create_index('ix_leaderboard_cache_period_rank', 'leaderboard_cache', ['period', 'rank'], unique=False)
    op.drop_table('leaderboard_months')
    op.drop_table('leaderboard_month_totals')
