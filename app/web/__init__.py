"""Member pages blueprint."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("web", __name__)

from app.web import pages  # noqa: E402,F401  (routes register on import)
