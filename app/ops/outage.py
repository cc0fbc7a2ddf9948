"""While the database is away (restart, failover, network), answer 503 with Retry-After.

A lost connection is not the caller's fault and not a bug: the page or the phone should try
again shortly. The pool's pre-ping replaces dead connections, so service resumes by itself.
"""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.extensions import db

RETRY_AFTER_SECONDS = 5
logger = logging.getLogger("app.ops")


def is_outage(error: Exception) -> bool:
    if isinstance(error, OperationalError | PoolTimeout):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def register_outage_handler(app: Flask) -> None:
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(PoolTimeout, database_unavailable)
    # Registered after Flask-SQLAlchemy's own teardown, so it runs first (Flask runs them
    # in reverse order) and that one then finds nothing left to close.
    app.teardown_appcontext(end_session_on_a_lost_connection)


def end_session_on_a_lost_connection(_error: BaseException | None) -> None:
    """Close the request's session even when the server went away meanwhile: its ROLLBACK
    then fails ("terminating connection"), and the answer already made must not become a
    500. The pool drops the dead connection; the next checkout gets a live one."""
    try:
        db.session.remove()
    except DBAPIError as error:
        logger.warning("request's session closed on a lost connection: %s", error.orig)
        db.session.registry().invalidate()  # its connections closed without the failed ROLLBACK
        db.session.registry.clear()


def database_unavailable(error: Exception) -> ResponseReturnValue:
    """The 503 answer; app/errors.py also sends other lost-connection errors here."""
    db.session.rollback()
    logger.error("database unavailable on %s %s: %s", request.method, request.path, error)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    message = "The service is briefly unavailable. Please try again in a few seconds."
    if request.path.startswith("/api/"):
        from app.api.errors import json_error

        response, status = json_error(503, "service_unavailable", message)
        response.headers.update(headers)
        return response, status
    page = render_template("errors/error.html", code=503, title="Back in a moment", message=message)
    return page, 503, headers
