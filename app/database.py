"""Engine set-up per database: SQLite must wait for writers, not fail."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

SQLITE_BUSY_TIMEOUT_SECONDS = 30


def sqlite_engine_options(uri: str) -> dict[str, Any]:
    if not uri.startswith("sqlite"):
        return {}
    if uri in ("sqlite://", "sqlite:///:memory:"):
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}}
    # SQLite connections are cheap; a roomy pool lets writers queue on the lock, not the pool.
    return {
        "connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
        "pool_size": 20,
        "max_overflow": 20,
    }


def configure_engine(engine: Engine) -> None:
    """SQLite: foreign keys on, WAL, and every transaction BEGIN IMMEDIATE.

    A deferred transaction that reads and then writes gets SQLITE_BUSY at once when
    another writer got there first; an immediate one waits out the busy timeout instead.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event, not pysqlite, decide when transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            # A bigger page cache: the default 2 MB turns a demo seed into syscalls.
            cursor.execute("PRAGMA cache_size = -65536")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
