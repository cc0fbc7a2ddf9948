"""The one CSV writer every download uses: formulas become text, values stay values."""

from __future__ import annotations

import csv
import io

import pytest

from app.core.csv_export import csv_lines, csv_text, safe_cell


@pytest.mark.parametrize(
    "hostile", ["=1+1", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("x")']
)
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(hostile):
    assert safe_cell(hostile) == "'" + hostile


@pytest.mark.parametrize("harmless", ["Steps on 2026-01-01", "a=b", "", "FK-2026-000001"])
def test_ordinary_text_is_unchanged(harmless):
    assert safe_cell(harmless) == harmless


def test_numbers_stay_numbers_even_when_negative():
    assert safe_cell(-50) == -50
    assert safe_cell(None) is None


def test_lines_stream_the_header_then_one_line_per_row():
    lines = list(csv_lines(["a", "b"], [["=x", 1], ["y", -2]]))
    assert lines == ["a,b\r\n", "'=x,1\r\n", "y,-2\r\n"]
    assert list(csv.reader(io.StringIO(csv_text(["a"], [["@x"]])))) == [["a"], ["'@x"]]
