"""The admin overview: what needs attention today."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template
from sqlalchemy import func, select

from app.admin import bp
from app.extensions import db
from app.models.base import utcnow
from app.models.orders import Order
from app.models.steps import StepRecord
from app.services import reconciliation, review


@bp.get("")
@bp.get("/")
def overview():
    now = utcnow()
    since = now - timedelta(hours=24)
    syncs_today = db.session.execute(
        select(func.count()).select_from(StepRecord).where(StepRecord.updated_at >= since)
    ).scalar_one()
    members_synced = db.session.execute(
        select(func.count(func.distinct(StepRecord.user_id))).where(StepRecord.updated_at >= since)
    ).scalar_one()
    waiting = dict(
        db.session.execute(
            select(Order.status, func.count())
            .where(Order.status.in_(("pending", "processing")))
            .group_by(Order.status)
        ).all()
    )
    return render_template(
        "admin/overview.html",
        queue_size=review.queue_size(),
        appeals=review.queue_size(review.QueueFilters(status="appealed")),
        syncs_today=syncs_today,
        members_synced=members_synced,
        waiting=waiting,
        drift=reconciliation.latest_drift(),
    )
