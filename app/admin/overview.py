"""The admin overview: what needs attention today, and why."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template

from app.admin import bp
from app.services import admin_overview


@bp.get("")
@bp.get("/")
def overview():
    ov = admin_overview.overview()
    return render_template(
        "admin/overview.html",
        ov=ov,
        queue_size=ov.queue.open_cases,
        appeals=ov.queue.appeals,
        syncs_today=ov.syncs_24h,
        members_synced=ov.members_synced_24h,
        waiting={"processing": ov.shipping.processing, "pending": ov.shipping.pending},
        drift=ov.drift,
    )


@bp.app_template_filter("age")
def age(delta: timedelta | None) -> str:
    """A waiting time as people say it: 40 min, 5 h, 3 d 2 h."""
    if delta is None:
        return ""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 else f"{hours // 24} d {hours % 24} h"
