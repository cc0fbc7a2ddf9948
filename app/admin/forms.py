"""Small helpers shared by admin views: parsing filter values without ever raising."""

from __future__ import annotations

from datetime import date

from flask import request

from app.core.request_values import INT_MAX, parse_day, query_int
from app.core.request_values import is_htmx as is_htmx  # the admin views import it from here


def arg_int(
    name: str,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    limit: int = INT_MAX,
) -> int | None:
    """A filter number clamped into [minimum, maximum]; 400 beyond what its column holds
    (`limit`: PostgreSQL's integer, or BIGINT_MAX for a bigint id)."""
    return query_int(name, minimum=minimum, maximum=maximum, limit=limit)


def arg_date(name: str) -> date | None:
    """A filter date (app/request_values.parse_day's range); None when absent or unusable."""
    try:
        return parse_day(request.args.get(name))
    except ValueError:
        return None


def arg_str(name: str, *, max_length: int = 100) -> str | None:
    value = (request.args.get(name) or "").strip()
    return value[:max_length] or None


def back_to(default: str) -> str:
    """Where a form asks to return to: admin paths only, never another site."""
    target = (request.form.get("next") or "").strip()
    if target.startswith("/admin") and not target.startswith("//"):
        return target
    return default
