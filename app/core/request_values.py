"""Reading numbers and dates from a request without ever raising (SPEC: never a 500).

Path ids go through bounded URL converters (an id PostgreSQL cannot store is a 404, never a
database error); query and form numbers through `query_int` / `form_int`; dates through
`parse_day` and `date_range`. Every view uses these instead of `int()` / `fromisoformat`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, overload

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter, Map

# PostgreSQL's integer and bigint: the largest ids and counts a column can hold.
INT_MAX = 2**31 - 1
BIGINT_MAX = 2**63 - 1
# Dates a page or the API accepts: wide enough for any real history, narrow enough that
# adding a day or a time zone offset to either end can never overflow.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(9998, 12, 31)


class BoundedIntConverter(IntegerConverter):
    """`<int:...>`: a non-negative id that fits PostgreSQL's integer (else 404)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)


class BoundedBigIntConverter(IntegerConverter):
    """`<bigint:...>`: an id of a bigint table (notifications, step validations)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", BIGINT_MAX)
        super().__init__(map, *args, **kwargs)


def register_converters(app: Flask) -> None:
    """Before any blueprint: `<int:...>` routes are bound to the converter when added."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.url_map.converters["bigint"] = BoundedBigIntConverter


class OutOfRange(ValueError):
    """A number or date a form sent that no column can hold; the message says why."""


def parse_int(
    raw: str | None,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    limit: int = BIGINT_MAX,
) -> int | None:
    """`raw` as an integer: None when blank or not a number; OutOfRange beyond ±`limit`;
    clamped into [minimum, maximum] otherwise."""
    text = (raw or "").strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not digits.isascii() or not digits.isdigit():
        return None
    if len(digits) > len(str(limit)) or abs(value := int(text)) > limit:
        raise OutOfRange(f"{text[:30]} is out of range.")
    if minimum is not None and value < minimum:
        return minimum
    if maximum is not None and value > maximum:
        return maximum
    return value


@overload
def query_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    limit: int = BIGINT_MAX,
) -> int: ...


@overload
def query_int(
    name: str,
    default: None = None,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    limit: int = BIGINT_MAX,
) -> int | None: ...


def query_int(
    name: str,
    default: int | None = None,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    limit: int = BIGINT_MAX,
) -> int | None:
    """A query-string number; 400 when it is beyond what the database can hold."""
    try:
        value = parse_int(request.args.get(name), minimum=minimum, maximum=maximum, limit=limit)
    except OutOfRange as exc:
        abort(400, description=f"The {name} parameter: {exc}")
    return default if value is None else value


def is_htmx() -> bool:
    """The request came from htmx (it sends HX-Request: true)."""
    return request.headers.get("HX-Request") == "true"


def form_int(name: str, *, limit: int = INT_MAX) -> int | None:
    """A form field's number (None when blank or not a number); OutOfRange when too big."""
    return parse_int(request.form.get(name), limit=limit)


def form_ints(name: str, *, limit: int = BIGINT_MAX) -> list[int]:
    """Every value of a repeated form field that is a storable id; others are left out."""
    ids = []
    for raw in request.form.getlist(name):
        try:
            value = parse_int(raw, limit=limit)
        except OutOfRange:
            continue
        if value is not None and value > 0:
            ids.append(value)
    return ids


def parse_day(raw: str | None) -> date:
    """An ISO date a person may mean (1900-01-01 .. 9998-12-31); OutOfRange or ValueError."""
    text = (raw or "").strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError("Use a date like 2026-05-31.") from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise OutOfRange(
            f"Pick a date between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}."
        )
    return day


@dataclass(frozen=True)
class DateRange:
    start: date | None
    end: date | None
    errors: dict[str, str]


def date_range(start_name: str = "from", end_name: str = "to") -> DateRange:
    """The request's start/end dates, each checked by `parse_day`, the end not before the
    start. A bad value is dropped, with its error for the page to show next to the field."""
    values: dict[str, date | None] = {}
    errors: dict[str, str] = {}
    for name in (start_name, end_name):
        raw = (request.args.get(name) or "").strip()
        values[name] = None
        if raw:
            try:
                values[name] = parse_day(raw)
            except ValueError as exc:
                errors[name] = str(exc)
    start, end = values[start_name], values[end_name]
    if start and end and start > end:
        errors[end_name] = "The end date is before the start date."
        end = None
    return DateRange(start, end, errors)
