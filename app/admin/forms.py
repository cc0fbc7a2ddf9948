"""Small helpers shared by admin views: parsing filter values without ever raising."""

from __future__ import annotations

from datetime import date

from flask import request


def arg_int(name: str, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
    raw = (request.args.get(name) or "").strip()
    if not raw.lstrip("-").isdigit():
        return None
    value = int(raw)
    if minimum is not None and value < minimum:
        return minimum
    if maximum is not None and value > maximum:
        return maximum
    return value


def arg_date(name: str) -> date | None:
    try:
        return date.fromisoformat((request.args.get(name) or "").strip())
    except ValueError:
        return None


def arg_str(name: str, *, max_length: int = 100) -> str | None:
    value = (request.args.get(name) or "").strip()
    return value[:max_length] or None


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def back_to(default: str) -> str:
    """Where a form asks to return to: admin paths only, never another site."""
    target = (request.form.get("next") or "").strip()
    if target.startswith("/admin") and not target.startswith("//"):
        return target
    return default
