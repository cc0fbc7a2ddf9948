"""Reads of a member's flagged records for the admin's view of a member."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models.steps import StepValidation


def latest_validations(user_id: int, limit: int = 30) -> list[StepValidation]:
    """The member's validations (every status), the latest opened first."""
    return list(
        db.session.execute(
            select(StepValidation)
            .where(StepValidation.user_id == user_id)
            .order_by(StepValidation.id.desc())
            .limit(limit)
        ).scalars()
    )
