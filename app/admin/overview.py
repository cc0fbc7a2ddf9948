"""The admin overview: what needs attention today, and why."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template
from flask.typing import ResponseReturnValue

from app.admin import bp
from app.backoffice import overview as admin_overview


@bp.get("")
@bp.get("/")
def overview() -> ResponseReturnValue:
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
    return "" if delta is None else admin_overview.waiting_time(delta)
