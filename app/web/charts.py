"""Chart data for the vendored Chart.js, built server-side as plain JSON."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from app.steps.sync import DayTotal

GREEN = "#1f9d55"
AMBER = "#d99a00"
RED = "#c0392b"
GREY = "#8a94a6"


def _label(day: date, span: int) -> str:
    return day.strftime("%a") if span <= 7 else day.strftime("%d %b").lstrip("0")


STATUS_COLOURS = {"credited": GREEN, "pending": AMBER, "rejected": RED}
STATUS_LABELS = {"credited": "Credited", "pending": "Under review", "rejected": "Rejected"}


def day_status_label(day: DayTotal) -> str:
    if day.status == "credited" and not day.credited_steps:
        return "No steps"
    return STATUS_LABELS[day.status]


def steps_chart(days: Sequence[DayTotal], cap: int) -> dict[str, Any]:
    """Bars of steps per day, coloured by review status, with the daily cap.

    A day under review or rejected is drawn at its recorded height in its colour (amber,
    red), so the member sees the day rather than a gap; the tooltip names the status and,
    where some of it already counts, the credited steps. Red only when nothing counted.
    """
    return {
        "type": "bar",
        "labels": [_label(d.day, len(days)) for d in days],
        "datasets": [
            {
                "label": "Steps",
                "data": [d.recorded_steps for d in days],
                "backgroundColor": [STATUS_COLOURS[d.status] for d in days],
                "borderRadius": 3,
                # Read by static/js/charts.js for the tooltip, and by the browser tests.
                "statuses": [day_status_label(d) for d in days],
                "credited": [d.credited_steps for d in days],
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
