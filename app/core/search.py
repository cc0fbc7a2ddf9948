"""Case-insensitive "contains" search that treats % and _ in the user's text literally."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, ColumnExpressionArgument, func, or_

ESCAPE = "\\"


def contains_pattern(term: str) -> str:
    escaped = (
        term.strip().lower().replace(ESCAPE, ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")
    )
    return f"%{escaped}%"


def any_contains(term: str, *columns: ColumnExpressionArgument[Any]) -> ColumnElement[bool]:
    """`lower(column) LIKE %term%` on any of the columns."""
    pattern = contains_pattern(term)
    return or_(*(func.lower(column).like(pattern, escape=ESCAPE) for column in columns))
