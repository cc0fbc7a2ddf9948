"""Checks every request gets before any view: input PostgreSQL cannot store is refused here.

PostgreSQL text cannot hold the NUL character; a NUL in any field would otherwise surface
as a database error (a 500) on PostgreSQL while SQLite stores it. One guard covers the API,
the member pages and the admin console alike.
"""

from __future__ import annotations

import re

from flask import Flask, abort, request

# A raw NUL, or its JSON escape (\u0000) not preceded by another backslash.
_JSON_NUL = re.compile(rb"(?<!\\)\\u0000", re.IGNORECASE)


def _has_nul() -> bool:
    for values in (request.args, request.form):
        if any("\x00" in value for value in values.values()):
            return True
    if any("\x00" in value for value in request.headers.values()):
        return True
    if request.is_json:
        raw = request.get_data(cache=True)
        return b"\x00" in raw or _JSON_NUL.search(raw) is not None
    return False


def register_request_guards(app: Flask) -> None:
    @app.before_request
    def refuse_nul_characters():
        if _has_nul():
            abort(400, description="Text may not contain NUL (\\u0000) characters.")
