"""One Alembic history builds both databases, and it agrees with the models."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app import create_app
from app.accounts import accounts
from app.backoffice import events
from app.coins import ledger
from app.coins.reconciliation import verify_ledger_chains
from app.core.db import transaction
from app.extensions import db
from app.models.base import utcnow
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL, config_for, recreate_postgres_database

VIEWS = {"active_users"}
# Dropped by 0015_rules_once: credited steps are defined once, in app/steps/credited.py.
DROPPED_VIEWS = {"daily_step_summary", "user_stats"}


def test_migrations_and_models_agree(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={"compare_type": True, "include_name": events.not_an_event_partition},
        )
        drift = compare_metadata(context, db.metadata)
    assert drift == []


def test_migrations_build_the_views_and_drop_the_unread_ones(app):
    views = set(inspect(db.engine).get_view_names())
    assert VIEWS <= views
    assert views & DROPPED_VIEWS == set()


@pytest.fixture
def scratch_uri(tmp_path: Path):
    if ON_POSTGRES:
        # Named after this run's own test database, so parallel runs never share it.
        base, name = TEST_DATABASE_URL.rsplit("/", 1)
        uri = f"{base}/{name}_migration_scratch"
        recreate_postgres_database(uri)
        return uri
    return f"sqlite:///{tmp_path / 'scratch.sqlite3'}"


def test_upgrade_downgrade_upgrade_round_trip(scratch_uri):
    app = create_app(config_for(scratch_uri))
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        leftovers = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert leftovers == set()
        assert set(inspect(db.engine).get_view_names()) & VIEWS == set()
        upgrade()
        assert {"users", "coin_transactions", "wallets"} <= set(
            inspect(db.engine).get_table_names()
        )
        assert VIEWS <= set(inspect(db.engine).get_view_names())
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


def test_the_chain_backfill_hashes_existing_rows_as_the_ledger_does(scratch_uri):
    """Rows written before 0005 get the same chain the ledger would have written."""
    app = create_app(config_for(scratch_uri))
    with app.app_context():
        upgrade()
        walker = accounts.create_user("walker@example.com", "correct-horse-9", "Walker")
        other = accounts.create_user("other@example.com", "correct-horse-9", "Other")
        db.session.commit()
        with transaction():
            ledger.award_step_coins(walker.id, date(2026, 1, 1), 40)
            ledger.award_step_coins(other.id, date(2026, 1, 1), 20)
            ledger.adjust_by_admin(walker.id, -5, "Correction", admin_id=other.id)
        written = _hashes()
        assert len(written) == 3 and all(digest for _, _, digest in written)
        downgrade(revision="0003_member_web")
        upgrade()

        assert _hashes() == written
        check = verify_ledger_chains(now=utcnow())
        assert (check.members, check.rows, check.breaks) == (2, 3, [])
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


def _hashes() -> list[tuple[int, str, str]]:
    rows = [
        tuple(row)
        for row in db.session.execute(
            text("SELECT id, prev_hash, row_hash FROM coin_transactions ORDER BY id")
        )
    ]
    db.session.remove()  # lets go of the database before a migration takes it
    return rows


@pytest.mark.postgres_only
def test_partitioning_keeps_the_rows_and_the_ids_and_undoes_cleanly(scratch_uri):
    app = create_app(config_for(scratch_uri))
    with app.app_context():
        upgrade(revision="0016_drop_analytics_daily")
        insert_event = text(
            "INSERT INTO analytics_events (event_type, created_at) VALUES (:t, :at) RETURNING id"
        )
        old_id = db.session.execute(insert_event, {"t": "old", "at": "2025-03-09T10:00Z"})
        old_id = old_id.scalar_one()
        db.session.execute(insert_event, {"t": "new", "at": utcnow()})
        db.session.commit()
        upgrade(revision="0017_event_partitions")
        placed = dict(
            db.session.execute(
                text("SELECT event_type, tableoid::regclass::text FROM analytics_events")
            ).all()
        )
        assert placed == {
            "old": "analytics_events_2025_03",
            "new": f"analytics_events_{utcnow():%Y_%m}",
        }
        # Every month from the oldest row on has its partition.
        assert db.session.execute(text("SELECT to_regclass('analytics_events_2025_10')")).scalar()
        next_id = db.session.execute(insert_event, {"t": "after", "at": utcnow()}).scalar_one()
        assert next_id == old_id + 2
        db.session.commit()
        downgrade(revision="0016_drop_analytics_daily")
        kinds = db.session.execute(
            text("SELECT relkind FROM pg_class WHERE relname = 'analytics_events'")
        ).scalar()
        assert kinds == "r"
        assert db.session.execute(text("SELECT count(*) FROM analytics_events")).scalar() == 3
        assert (
            db.session.execute(insert_event, {"t": "later", "at": utcnow()}).scalar_one()
            == next_id + 1
        )
        db.session.commit()
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
