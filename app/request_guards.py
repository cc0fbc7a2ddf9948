"""Checks every request gets before any view: input PostgreSQL cannot store is refused here,
and JSON bodies nested deeper than any FitKart document (app/core/bounded_json.py).

PostgreSQL text cannot hold the NUL character; a NUL in any field would otherwise surface
as a database error (a 500) on PostgreSQL while SQLite stores it. One guard covers the API,
the member pages and the admin console alike.
"""

from __future__ import annotations

import re

from flask import Flask, abort, request

from app.core.bounded_json import MAX_JSON_DEPTH, too_deep

# A raw NUL, or its JSON escape (\u0000) not preceded by another backslash.
_JSON_NUL = re.compile(rb"(?<!\\)\\u0000", re.IGNORECASE)


def _has_nul() -> bool:
    # The decoded path: /orders/%00/cancel would reach a view, and the database, as "\x00".
    if "\x00" in request.path:
        return True
    for values in (request.args, request.form):
        if any("\x00" in key or "\x00" in value for key, value in values.items(multi=True)):
            return True
    if any("\x00" in value for value in request.headers.values()):
        return True
    if request.is_json:
        raw = request.get_data(cache=True)
        return b"\x00" in raw or _JSON_NUL.search(raw) is not None
    return False


def _refuse_unstorable_input() -> None:
    if _has_nul():
        abort(400, description="Text may not contain NUL (\\u0000) characters.")
    if request.is_json and too_deep(request.get_data(cache=True)):
        abort(400, description=f"JSON may nest at most {MAX_JSON_DEPTH} levels deep.")


def register_request_guards(app: Flask) -> None:
    # First of all before-request hooks: the rate limiter's key functions read the body too.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_unstorable_input)
