"""Challenges between friends (with a stake each) and their participants; teams and members.

Revision ID: 0014_challenges_teams
Revises: 0013_product_variants
Create Date: 2026-12-01 11:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_challenges_teams'
down_revision = '0013_product_variants'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('challenges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('goal_type', sa.String(length=20), nullable=False),
    sa.Column('target_steps', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('stake_coins', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('max_participants', sa.Integer(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='open', nullable=False),
    sa.Column('pot_coins', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint("goal_type IN ('most_steps','first_to_target','reach_target','daily_goal')", name=op.f('ck_challenges_goal_type')),
    sa.CheckConstraint("status IN ('open','cancelled','void','settled')", name=op.f('ck_challenges_status')),
    sa.CheckConstraint('end_date >= start_date', name=op.f('ck_challenges_dates_in_order')),
    sa.CheckConstraint('stake_coins >= 0', name=op.f('ck_challenges_stake_non_negative')),
    sa.CheckConstraint('pot_coins >= 0', name=op.f('ck_challenges_pot_non_negative')),
    sa.CheckConstraint('max_participants >= 2', name=op.f('ck_challenges_at_least_two')),
    sa.CheckConstraint("(goal_type = 'most_steps') = (target_steps IS NULL)", name=op.f('ck_challenges_target_when_needed')),
    sa.CheckConstraint('target_steps IS NULL OR target_steps > 0', name=op.f('ck_challenges_target_positive')),
    sa.ForeignKeyConstraint(['creator_id'], ['users.id'], name=op.f('fk_challenges_creator_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_challenges'))
    )
    op.create_index('ix_challenges_open_end', 'challenges', ['end_date'], unique=False, postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))
    op.create_table('challenge_participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), server_default='invited', nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stake_coins', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('payout_coins', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('final_steps', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint("status IN ('invited','joined','declined')", name=op.f('ck_challenge_participants_status')),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('won','lost','returned')", name=op.f('ck_challenge_participants_outcome')),
    sa.CheckConstraint("(status = 'joined') = (joined_at IS NOT NULL)", name=op.f('ck_challenge_participants_joined_when')),
    sa.CheckConstraint('stake_coins >= 0', name=op.f('ck_challenge_participants_stake_non_negative')),
    sa.CheckConstraint('payout_coins >= 0', name=op.f('ck_challenge_participants_payout_non_negative')),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenges.id'], name=op.f('fk_challenge_participants_challenge_id_challenges')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_challenge_participants_user_id_users')),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_challenge_participants_invited_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_challenge_participants')),
    sa.UniqueConstraint('challenge_id', 'user_id', name=op.f('uq_challenge_participants_challenge_id_user_id'))
    )
    op.create_index('ix_challenge_participants_user', 'challenge_participants', ['user_id', 'status'], unique=False)
    op.create_table('teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('name_key', sa.String(length=60), nullable=False),
    sa.Column('join_code', sa.String(length=12), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_teams_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teams')),
    sa.UniqueConstraint('name_key', name=op.f('uq_teams_name_key')),
    sa.UniqueConstraint('join_code', name=op.f('uq_teams_join_code'))
    )
    op.create_table('team_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_team_members_team_id_teams')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_team_members_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team_members')),
    sa.UniqueConstraint('user_id', name=op.f('uq_team_members_user_id'))
    )
    op.create_index(op.f('ix_team_members_team_id'), 'team_members', ['team_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_team_members_team_id'), table_name='team_members')
    op.drop_table('team_members')
    op.drop_table('teams')
    op.drop_index('ix_challenge_participants_user', table_name='challenge_participants')
    op.drop_table('challenge_participants')
    op.drop_index('ix_challenges_open_end', table_name='challenges')
    op.drop_table('challenges')
