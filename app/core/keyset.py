"""Keyset pagination: the rows after an id, stable under inserts, unlike offsets."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select

from app.extensions import db


def rows_after(
    stmt: Select, id_column: Any, *, after_id: int | None, limit: int, newest_first: bool
) -> list[Any]:
    """Up to `limit` rows of `stmt` past `after_id` in id order (newest first: below it)."""
    if after_id is not None:
        stmt = stmt.where(id_column < after_id if newest_first else id_column > after_id)
    order = id_column.desc() if newest_first else id_column
    return list(db.session.execute(stmt.order_by(order).limit(limit)).scalars())
