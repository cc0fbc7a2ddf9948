"""A member's appeal of a rejected day (SPEC §3): once per day, back into the review queue."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from app.core.db import transaction
from app.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from app.core.notifications import notify
from app.extensions import db
from app.models.base import utcnow
from app.models.steps import CaseStatus, StepValidation

MAX_MESSAGE = 1000


def can_appeal(validations: list[StepValidation]) -> bool:
    """A day may be appealed when something was rejected and nothing was appealed yet."""
    return any(v.status == CaseStatus.REJECTED for v in validations) and all(
        v.appealed_at is None for v in validations
    )


def appeal_day(
    user_id: int, day: date, message: str, *, now: datetime | None = None
) -> list[StepValidation]:
    """Appeal every rejected record of the member's day. Returns the appealed cases."""
    text = " ".join((message or "").split())
    if not text:
        raise ValidationFailed("Tell us what happened that day.", details=[{"field": "message"}])
    if len(text) > MAX_MESSAGE:
        raise ValidationFailed(
            f"Keep it under {MAX_MESSAGE} characters.", details=[{"field": "message"}]
        )
    when = now or utcnow()
    with transaction():
        cases = list(
            db.session.execute(
                select(StepValidation)
                .where(StepValidation.user_id == user_id, StepValidation.recorded_date == day)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).scalars()
        )
        if not cases:
            raise NotFound("That day was never flagged.")
        if any(case.appealed_at is not None for case in cases):
            raise Conflict("You already appealed this day; each day can be appealed once.")
        rejected = [case for case in cases if case.status == CaseStatus.REJECTED]
        if not rejected:
            raise InvalidTransition("Only a rejected day can be appealed.")
        for case in rejected:
            case.status = CaseStatus.APPEALED
            case.appeal_message = text
            case.appealed_at = when
            case.updated_at = when
        notify(
            user_id,
            "appeal",
            f"We received your appeal for {day.isoformat()}",
            "An admin will look at the day again and let you know.",
            link="/steps",
        )
    return rejected
