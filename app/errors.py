"""Error pages in the site's style; the API blueprint answers JSON instead (app/api/errors.py)."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from app.extensions import db
from app.ops.outage import database_unavailable, is_outage

CSRF_MESSAGE = "This page was open too long or came from elsewhere. Reload it and try again."


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        """The one answer to a missing or stale CSRF token, on every page and in htmx."""
        from app.web.errors import message_response

        return message_response(400, "This form has expired", CSRF_MESSAGE)

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError) -> ResponseReturnValue:
        # No URL adapter exists for a host outside TRUSTED_HOSTS, so no page template here.
        message = "This server does not answer for that host name."
        if _wants_json():
            from app.api.errors import json_error

            return json_error(400, "bad_request", message)
        return message, 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        if _wants_json():
            from app.api.errors import json_error

            return json_error(error.code or 500, _code_for(error.code), error.description or "")
        return (
            render_template(
                "errors/error.html",
                code=error.code,
                title=error.name,
                message=error.description,
            ),
            error.code or 500,
        )

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> ResponseReturnValue:
        if is_outage(error):
            return database_unavailable(error)
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if app.config.get("TESTING") and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        if _wants_json():
            from app.api.errors import json_error

            return json_error(500, "internal_error", "Something went wrong on our side.")
        return (
            render_template(
                "errors/error.html",
                code=500,
                title="Something went wrong",
                message="We have been told. Please try again in a moment.",
            ),
            500,
        )


def _code_for(status: int | None) -> str:
    return {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "payload_too_large",
        415: "unsupported_media_type",
        422: "validation_error",
        429: "rate_limited",
    }.get(status or 500, "error")
