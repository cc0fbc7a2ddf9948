"""Two step_records indexes nothing needs: `ix_step_records_user_date` and
`ix_step_records_created_brin`.

`(user_id, recorded_date)` is the leading part of the unique `(user_id, recorded_date,
source)` constraint's index, which serves every lookup by member and day range as well.
No query reads step_records by `created_at` (days are found by `recorded_date`, recent
syncs by `updated_at`), so its BRIN index was never used. Each cost every step write an
index entry, and the full-scale loader a pass over 50M rows (bench/RESULTS.md).

Revision ID: 0018_step_index_diet
Revises: 0017_event_partitions
Create Date: 2026-12-01 15:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018_step_index_diet'
down_revision = '0017_event_partitions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('step_records', schema=None) as batch_op:
        batch_op.drop_index('ix_step_records_user_date')
        batch_op.drop_index('ix_step_records_created_brin', postgresql_using='brin')


def downgrade():
    with op.batch_alter_table('step_records', schema=None) as batch_op:
        batch_op.create_index('ix_step_records_user_date', ['user_id', 'recorded_date'], unique=False)
        batch_op.create_index('ix_step_records_created_brin', ['created_at'], unique=False, postgresql_using='brin')
