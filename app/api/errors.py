"""The SPEC §6 error shape: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify


def json_error(
    status: int, code: str, message: str, details: list[Any] | None = None
) -> tuple[Response, int]:
    return jsonify({"error": {"code": code, "message": message, "details": details or []}}), status
