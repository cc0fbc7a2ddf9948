"""CSV for every download: one writer, and it defuses cells a spreadsheet would run.

A cell that starts with `= + - @` (or a tab / carriage return, which some spreadsheets skip
before reading the formula) is a formula to Excel, LibreOffice and Google Sheets
(OWASP "CSV injection"). Such text gets a leading apostrophe, which the spreadsheet shows as
text. Numbers stay numbers: -50 coins is a value, not a formula.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Iterator, Sequence

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The CSV text line by line (header first), for streaming a long download."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in itertools.chain([header], rows):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(value) for value in row])
        yield buffer.getvalue()


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The whole CSV at once, for a download small enough to build in memory."""
    return "".join(csv_lines(header, rows))
