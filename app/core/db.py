"""The one way services open and close a database transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from flask_sqlalchemy.session import Session
from sqlalchemy import CursorResult, Executable
from sqlalchemy.orm import scoped_session

from app.extensions import db

TRANSACTION_DEPTH = "fitkart_transaction_depth"


@contextmanager
def transaction() -> Iterator[scoped_session[Session]]:
    """Commit what the block did, or roll all of it back if it raised.

    Re-entrant: an inner block joins the outer one, and only the outermost commits. The
    API uses that to store an Idempotency-Key's answer in the same transaction as the work.
    """
    session = db.session
    depth = session.info.get(TRANSACTION_DEPTH, 0)
    session.info[TRANSACTION_DEPTH] = depth + 1
    try:
        yield session
        if depth == 0:
            session.commit()
    except BaseException:
        if depth == 0:
            session.rollback()
        raise
    finally:
        session.info[TRANSACTION_DEPTH] = depth


def discard_unfinished_work() -> None:
    """End whatever a refused or failed request left in the session (a read transaction,
    or a step no `transaction()` committed), so the error page reads from a clean start.
    The blueprints' error handlers call it; views never commit or roll back themselves."""
    db.session.rollback()


def rows_affected(statement: Executable) -> int:
    """Run an INSERT, UPDATE or DELETE in the current session; how many rows it touched.

    `Session.execute` is typed as returning a plain `Result`; DML gives a `CursorResult`,
    the kind that carries the row count.
    """
    return cast(CursorResult[Any], db.session.execute(statement)).rowcount


def is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"
