"""The SPEC §6 error shape as a Flask answer (the body is built by app.core.errors)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from app.core.errors import error_body


def json_error(
    status: int, code: str, message: str, details: list[Any] | None = None
) -> tuple[Response, int]:
    return jsonify(error_body(code, message, details)), status
