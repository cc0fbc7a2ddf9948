"""Reads of step records for the admin's view of a member."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models.steps import StepRecord


def latest_records(user_id: int, limit: int = 30) -> list[StepRecord]:
    """The member's step records, latest day first."""
    return list(
        db.session.execute(
            select(StepRecord)
            .where(StepRecord.user_id == user_id)
            .order_by(StepRecord.recorded_date.desc())
            .limit(limit)
        ).scalars()
    )
