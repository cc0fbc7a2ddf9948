"""One database lock per job, so that with several app processes a job runs once at a time.

PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) keyed by a hash of
the job name, taken on a connection of its own in autocommit mode (no transaction stays
open for the length of the run) and released when the run ends. If the process dies,
PostgreSQL drops the lock with the connection.

SQLite: a row in `job_locks`, claimed with INSERT … ON CONFLICT DO NOTHING after removing
an expired row, and deleted (by its owner token) when the run ends. If the process dies,
the row expires after the job's `lock_ttl` and the next run takes it over. (`row_lock`
builds on PostgreSQL too, which keeps it testable there, but jobs use advisory locks.)

Either way the lock is only tried, never waited for: a run that does not get it is not run.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import delete, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.core.db import rows_affected, transaction
from app.extensions import db
from app.models.base import utcnow
from app.models.jobs import JobLock

# Namespaces the advisory-lock keys, so FitKart's never collide with another app's.
ADVISORY_LOCK_PREFIX = "fitkart.job:"


def advisory_lock_key(job_name: str) -> int:
    """A stable signed 64-bit key per job (PostgreSQL's advisory-lock key type is bigint)."""
    digest = hashlib.blake2b((ADVISORY_LOCK_PREFIX + job_name).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def job_lock(job_name: str, *, ttl: timedelta, now: datetime | None = None) -> Iterator[bool]:
    """Try to take the job's lock; yields whether this run holds it. Released on exit."""
    if db.engine.dialect.name == "postgresql":
        with _advisory_lock(job_name) as held:
            yield held
    else:
        with row_lock(job_name, ttl=ttl, now=now or utcnow()) as held:
            yield held


@contextmanager
def _advisory_lock(job_name: str) -> Iterator[bool]:
    key = advisory_lock_key(job_name)
    connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    held = released = False
    try:
        held = bool(
            connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
        )
        try:
            yield held
        finally:
            if held:
                released = bool(
                    connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": key}
                    ).scalar()
                )
    finally:
        if held and not released:
            # A pooled connection must never keep a lock: closing it for real frees it.
            connection.invalidate()
        connection.close()


@contextmanager
def row_lock(job_name: str, *, ttl: timedelta, now: datetime) -> Iterator[bool]:
    """The `job_locks` row lock (SQLite's job lock); yields whether this run holds it."""
    owner = uuid.uuid4().hex
    dialect_insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    with transaction():
        db.session.execute(
            delete(JobLock).where(JobLock.job_name == job_name, JobLock.expires_at <= now)
        )
        claimed = rows_affected(
            dialect_insert(JobLock)
            .values(job_name=job_name, owner=owner, acquired_at=now, expires_at=now + ttl)
            .on_conflict_do_nothing(index_elements=["job_name"])
            # psycopg forgets an INSERT's rowcount once the cursor closes unless asked.
            .execution_options(preserve_rowcount=True)
        )
    held = claimed == 1
    try:
        yield held
    finally:
        if held:
            db.session.rollback()  # whatever the job left open must not hold up the release
            with transaction():
                db.session.execute(
                    delete(JobLock).where(JobLock.job_name == job_name, JobLock.owner == owner)
                )
