"""One Alembic history builds both databases, and it agrees with the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from app.extensions import db
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL, config_for, recreate_postgres_database

VIEWS = {"active_users", "daily_step_summary", "user_stats"}


def test_migrations_and_models_agree(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        drift = compare_metadata(context, db.metadata)
    assert drift == []


def test_migrations_build_the_three_views(app):
    assert VIEWS <= set(inspect(db.engine).get_view_names())


@pytest.fixture
def scratch_uri(tmp_path: Path):
    if ON_POSTGRES:
        uri = TEST_DATABASE_URL.rsplit("/", 1)[0] + "/fitkart_migration_scratch"
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
