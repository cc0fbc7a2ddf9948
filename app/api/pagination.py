"""Opaque cursors for keyset pagination (app/core/keyset.py runs the query)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Select

from app.api.operations import ApiError
from app.core import bounded_json
from app.core.keyset import rows_after


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"id": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = bounded_json.loads(base64.urlsafe_b64decode(padded.encode()))["id"]
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**62:
            return value
    except (ValueError, KeyError, TypeError):
        pass
    raise ApiError(422, "validation_error", "The cursor is not valid.", [{"field": "cursor"}])


def keyset_page(
    stmt: Select, id_column: Any, *, limit: int, cursor: str | None, newest_first: bool
) -> tuple[list[Any], str | None]:
    """One page of `stmt` ordered by id, and the cursor of the next page (None at the end)."""
    return page_of(
        lambda after_id, count: rows_after(
            stmt, id_column, after_id=after_id, limit=count, newest_first=newest_first
        ),
        limit=limit,
        cursor=cursor,
    )


def page_of(
    rows_after_id: Callable[[int | None, int], Sequence[Any]], *, limit: int, cursor: str | None
) -> tuple[list[Any], str | None]:
    """One page from `rows_after_id(after_id, count)` (rows with an `id`, in id order), and
    the next page's cursor. Asks for one row more than the page to know whether another
    page follows."""
    rows = list(rows_after_id(decode_cursor(cursor), limit + 1))
    page = rows[:limit]
    return page, encode_cursor(page[-1].id) if len(rows) > limit else None
