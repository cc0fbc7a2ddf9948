"""Chart data for the vendored Chart.js, built server-side as plain JSON."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from app.services.steps import DayTotal

GREEN = "#1f9d55"
AMBER = "#d99a00"
RED = "#c0392b"
GREY = "#8a94a6"


def _label(day: date, span: int) -> str:
    return day.strftime("%a") if span <= 7 else day.strftime("%d %b").lstrip("0")


def steps_chart(days: Sequence[DayTotal], cap: int) -> dict[str, Any]:
    """Bars of credited steps per day, coloured by review status, with the daily cap.

    A day with a record still under review is amber; red only when nothing of it counted.
    """
    colours = [
        AMBER if d.pending else RED if d.rejected and not d.credited_steps else GREEN for d in days
    ]
    return {
        "type": "bar",
        "labels": [_label(d.day, len(days)) for d in days],
        "datasets": [
            {
                "label": "Credited steps",
                "data": [d.credited_steps for d in days],
                "backgroundColor": colours,
                "borderRadius": 3,
            },
            {
                "label": "Daily cap",
                "type": "line",
                "data": [cap] * len(days),
                "borderColor": GREY,
                "borderDash": [6, 4],
                "borderWidth": 1,
                "pointRadius": 0,
            },
        ],
    }


def balance_chart(points: Sequence[tuple[date, int]]) -> dict[str, Any]:
    return {
        "type": "line",
        "labels": [d.strftime("%d %b").lstrip("0") for d, _ in points],
        "datasets": [
            {
                "label": "Available coins",
                "data": [value for _, value in points],
                "borderColor": GREEN,
                "backgroundColor": "rgba(31, 157, 85, 0.15)",
                "fill": True,
                "tension": 0.25,
                "pointRadius": 2,
            }
        ],
    }
