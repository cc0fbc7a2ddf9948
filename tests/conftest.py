"""Fixtures: a migrated database per test (SQLite file copy, or PostgreSQL truncation).

TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/fitkart_test runs the
suite on PostgreSQL; unset, it runs on SQLite. FITKART_FAIL_ON_SKIP=1 turns every skip
into a failure (CI's PostgreSQL run: nothing may be skipped there).
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.config import TestingConfig
from app.core import background
from app.extensions import db

pytest_plugins = [
    "tests.fixtures.factories",
    "tests.fixtures.oidc",
    "tests.fixtures.sign_in",
    "tests.fixtures.variants",
]

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
_counter = itertools.count()


def config_for(uri: str, **overrides: object) -> type[TestingConfig]:
    return type("Config", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": uri, **overrides})


def migrate_database(uri: str) -> None:
    app = create_app(config_for(uri))
    with app.app_context():
        upgrade()
        for engine in db.engines.values():
            engine.dispose()


def recreate_postgres_database(uri: str) -> None:
    url = make_url(uri)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database: a SQLite file to copy, or the PostgreSQL test database."""
    if ON_POSTGRES:
        recreate_postgres_database(TEST_DATABASE_URL)
        migrate_database(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    migrate_database(f"sqlite:///{path}")
    return str(path)


def _truncate_everything() -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        # The ledger refuses TRUNCATE by trigger; replica mode skips triggers for cleanup only.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def database_uri(database_template: str, tmp_path: Path) -> str:
    if ON_POSTGRES:
        return database_template
    copy = tmp_path / f"test-{next(_counter)}.sqlite3"
    shutil.copyfile(database_template, copy)
    return f"sqlite:///{copy}"


class FreshContextClient(FlaskClient):
    """Each request gets its own app context, as in production: nothing cached in `g`
    (such as Flask-Login's signed-in user) leaks between clients or into the test."""

    def open(self, *args, **kwargs):
        # The test's own session lets go of the database first (SQLite's write lock).
        if has_app_context():
            db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(database_uri: str) -> Iterator[Flask]:
    app = create_app(config_for(database_uri))
    app.test_client_class = FreshContextClient
    with app.app_context():
        if ON_POSTGRES:
            _truncate_everything()
        yield app
        background.drain(app)  # mail queued by the test has gone before the database does
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def dialect(app: Flask) -> str:
    return db.engine.dialect.name


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Nothing may be skipped where FITKART_FAIL_ON_SKIP=1 (CI's PostgreSQL run)."""
    outcome = yield
    report = outcome.get_result()
    # An expected failure also reports as "skipped"; only real skips are refused.
    really_skipped = report.skipped and not hasattr(report, "wasxfail")
    if really_skipped and os.environ.get("FITKART_FAIL_ON_SKIP") == "1":
        report.outcome = "failed"
        report.longrepr = f"skipped, but FITKART_FAIL_ON_SKIP=1: {report.longrepr}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)
