"""One index for a member's days: drop `ix_step_records_user_date`.

`(user_id, recorded_date)` is the leading part of the unique `(user_id, recorded_date,
source)` constraint's index, which serves every lookup by member and day range as well.
The second copy cost every step write one more index entry, and the full-scale loader
one more sort of 50M rows (bench/RESULTS.md).

Revision ID: 0018_one_member_day_index
Revises: 0017_event_partitions
Create Date: 2026-12-01 15:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018_one_member_day_index'
down_revision = '0017_event_partitions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('step_records', schema=None) as batch_op:
        batch_op.drop_index('ix_step_records_user_date')


def downgrade():
    with op.batch_alter_table('step_records', schema=None) as batch_op:
        batch_op.create_index('ix_step_records_user_date', ['user_id', 'recorded_date'], unique=False)
