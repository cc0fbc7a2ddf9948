"""JSON API for phones, /api/v1 (SPEC §6). Bearer tokens only: no session cookie, no CSRF."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from app.api import auth, catalog, members  # noqa: E402,F401  (operations register on import)

from app.api import admin  # noqa: E402,F401  # isort: skip
from app.api import live  # noqa: E402,F401  # isort: skip
from app.api import friends  # noqa: E402,F401  # isort: skip
from app.api import promo_codes  # noqa: E402,F401  # isort: skip
from app.api import challenges, teams  # noqa: E402,F401  # isort: skip
from app.api import shop  # noqa: E402,F401  # isort: skip
from app.api.operations import openapi_document  # noqa: E402


@bp.get("/openapi.json")
def openapi_json() -> ResponseReturnValue:
    return jsonify(openapi_document(bp.url_prefix or ""))
