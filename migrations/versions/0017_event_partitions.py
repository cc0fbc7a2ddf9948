"""`analytics_events` partitioned by month on `created_at` (PostgreSQL only).

The table only grows; monthly partitions let old months be detached or dropped whole and
keep each month's BRIN/B-tree indexes small. A partitioned table's keys must include the
partition key, so the primary key becomes (id, created_at); ids still come from the same
sequence. A DEFAULT partition catches a row of a month with no partition yet, so an insert
never fails. The nightly `cleanup_tokens` job keeps partitions 3 months ahead
(app/backoffice/events.py `ensure_partitions`). SQLite keeps the plain table.

Revision ID: 0017_event_partitions
Revises: 0016_drop_analytics_daily
Create Date: 2026-12-01 13:20:00.000000

"""
from datetime import date

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_event_partitions'
down_revision = '0016_drop_analytics_daily'
branch_labels = None
depends_on = None

COLUMNS = "id, user_id, event_type, platform, properties, ip_address, user_agent, created_at"
MONTHS_AHEAD = 3


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _create_indexes_and_fk(table: str) -> None:
    op.execute(f"CREATE INDEX ix_analytics_events_type_created ON {table} (event_type, created_at)")
    op.execute(f"CREATE INDEX ix_analytics_events_user_id ON {table} (user_id)")
    op.execute(f"CREATE INDEX ix_analytics_events_created_brin ON {table} USING brin (created_at)")
    op.execute(
        f"ALTER TABLE {table} ADD CONSTRAINT fk_analytics_events_user_id_users "
        "FOREIGN KEY (user_id) REFERENCES users (id)"
    )


def _rename_old() -> None:
    op.execute("ALTER TABLE analytics_events RENAME TO analytics_events_old")
    op.execute("ALTER TABLE analytics_events_old RENAME CONSTRAINT pk_analytics_events TO pk_analytics_events_old")
    op.execute("ALTER TABLE analytics_events_old DROP CONSTRAINT fk_analytics_events_user_id_users")
    for index in ('type_created', 'user_id', 'created_brin'):
        op.execute(f"DROP INDEX ix_analytics_events_{index}")
    # The sequence outlives the old table and goes on numbering the new one.
    op.execute("ALTER SEQUENCE analytics_events_id_seq OWNED BY NONE")


def _adopt_sequence_copy_and_drop_old() -> None:
    op.execute("ALTER TABLE analytics_events ALTER COLUMN id SET DEFAULT nextval('analytics_events_id_seq')")
    op.execute("ALTER SEQUENCE analytics_events_id_seq OWNED BY analytics_events.id")
    op.execute(f"INSERT INTO analytics_events ({COLUMNS}) SELECT {COLUMNS} FROM analytics_events_old")
    op.execute("DROP TABLE analytics_events_old")


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    _rename_old()
    op.execute("""
        CREATE TABLE analytics_events (
            id BIGINT NOT NULL,
            user_id INTEGER,
            event_type VARCHAR(64) NOT NULL,
            platform VARCHAR(16),
            properties JSONB,
            ip_address VARCHAR(45),
            user_agent VARCHAR(400),
            created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP NOT NULL,
            CONSTRAINT pk_analytics_events PRIMARY KEY (id, created_at)
        ) PARTITION BY RANGE (created_at)
    """)
    _create_indexes_and_fk("analytics_events")
    oldest = op.get_bind().execute(sa.text(
        "SELECT date_trunc('month', MIN(created_at) AT TIME ZONE 'UTC')::date FROM analytics_events_old"
    )).scalar()
    today = date.today().replace(day=1)
    month = min(oldest, today) if oldest else today
    last = today
    for _ in range(MONTHS_AHEAD):
        last = _next_month(last)
    while month <= last:
        following = _next_month(month)
        op.execute(
            f"CREATE TABLE analytics_events_{month:%Y_%m} PARTITION OF analytics_events "
            f"FOR VALUES FROM ('{month.isoformat()} 00:00+00') TO ('{following.isoformat()} 00:00+00')"
        )
        month = following
    op.execute("CREATE TABLE analytics_events_default PARTITION OF analytics_events DEFAULT")
    _adopt_sequence_copy_and_drop_old()


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    _rename_old()
    op.execute("""
        CREATE TABLE analytics_events (
            id BIGINT NOT NULL,
            user_id INTEGER,
            event_type VARCHAR(64) NOT NULL,
            platform VARCHAR(16),
            properties JSONB,
            ip_address VARCHAR(45),
            user_agent VARCHAR(400),
            created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP NOT NULL,
            CONSTRAINT pk_analytics_events PRIMARY KEY (id)
        )
    """)
    _create_indexes_and_fk("analytics_events")
    # Dropping the partitioned table drops its partitions with it.
    _adopt_sequence_copy_and_drop_old()
