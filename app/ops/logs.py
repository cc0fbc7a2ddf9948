"""Logs an operator can search: one JSON object per line, each carrying the request id.

Every request gets an id: a sane incoming `X-Request-ID` (from the proxy or the phone) is
kept, otherwise one is made; it is returned in the response header and stamped on every log
record written while the request runs, errors included. With LOG_FORMAT=json (production's
default) each request also writes one `request` line: method, path, status, duration, user.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from typing import TextIO

from flask import Flask, g, has_request_context, request
from flask.wrappers import Response
from flask_login import current_user
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import inspect

REQUEST_ID_HEADER = "X-Request-ID"
# Only ids that are safe to echo into a header and a log line are kept.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_HANDLER_MARK = "_fitkart_handler"

request_logger = logging.getLogger("app.request")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() if has_request_context() else None
        return True


def current_request_id() -> str | None:
    return g.get("request_id")


def configure_logging(app: Flask) -> None:
    """One handler on the root logger, set up once per process (create_app may run often)."""
    root = logging.getLogger()
    if any(getattr(handler, _HANDLER_MARK, False) for handler in root.handlers):
        return
    if app.config.get("TESTING"):
        return  # pytest captures logs itself
    if app.config.get("LOG_FORMAT") == "json":
        handler = json_handler(sys.stderr)
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
        handler.addFilter(RequestIdFilter())
    setattr(handler, _HANDLER_MARK, True)
    root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    # Flask's own handler would print every app.logger record a second time.
    app.logger.propagate = True
    app.logger.handlers.clear()


def json_handler(stream: TextIO) -> logging.Handler:
    """One JSON object per line: time, level, logger, message, request_id, and any extras."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(RequestIdFilter())
    return handler


def register_request_logging(app: Flask) -> None:
    log_each_request = app.config.get("LOG_FORMAT") == "json"

    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def return_request_id(response: Response) -> Response:
        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        if log_each_request and request.endpoint != "static":
            request_logger.info("request", extra=request_fields(response.status_code))
        return response


def _identity(user: object) -> object:
    """The signed-in member's id without touching the database: after a rollback (say, the
    database went away) reading `user.id` would try to reload the row."""
    if user is None:
        return None
    identity = inspect(user).identity
    return identity[0] if identity else None


def request_fields(status: int) -> dict[str, object]:
    started = g.get("request_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 2) if started else None
    user = g.get("api_user")
    if user is None and current_user and current_user.is_authenticated:
        user = current_user._get_current_object()
    return {
        "method": request.method,
        "path": request.path,
        "endpoint": request.endpoint,
        "status": status,
        "duration_ms": duration_ms,
        "user_id": _identity(user),
        "remote_addr": request.remote_addr,
    }
