"""Opening a fraud case on a step record: the one place sync and the nightly rescore do it.

A case (`step_validations` row) holds the score and the reasons; while it is open the
record is `pending`, so its steps earn nothing and leave the leaderboards. A day over the
hard limit is refused outright but still stored, as a record and a case both `rejected`,
so admins see the attempt and it counts in the member's history of flags.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from app.core.live_events import ADMINS, publish
from app.core.notifications import notify
from app.extensions import db
from app.models.steps import (
    OPEN_CASE_STATUSES,
    CaseStatus,
    RecordStatus,
    StepRecord,
    StepValidation,
)

FLAG_TITLE = "Your steps on {day} are being reviewed"


def open_case(
    record: StepRecord,
    *,
    score: int,
    reasons: list[dict],
    when: datetime,
    message: str,
    notify_member: bool = True,
) -> bool:
    """Flag the record for review; True when the case is newly opened (member told then)."""
    validation, was_open = _set_case(
        record, CaseStatus.PENDING, score=score, reasons=reasons, when=when
    )
    first_flag = not was_open
    if first_flag:
        db.session.flush()
        fraud_case_changed(validation, "new")
    if first_flag and notify_member:
        notify(
            record.user_id,
            "flag",
            FLAG_TITLE.format(day=record.recorded_date.isoformat()),
            message,
            link="/steps",
        )
    return first_flag


def refuse_day(record: StepRecord, *, score: int, reasons: list[dict], when: datetime) -> None:
    """Store a day over the hard limit as rejected, with its reasons; it is never paid."""
    _set_case(record, CaseStatus.REJECTED, score=score, reasons=reasons, when=when)
    notify(
        record.user_id,
        "flag",
        f"Your steps on {record.recorded_date.isoformat()} were not accepted",
        "More steps than anyone can walk in a day arrived, so the day earns nothing. "
        "If your app made a mistake, you can appeal the day on your steps page.",
        link="/steps",
    )


def _set_case(
    record: StepRecord, status: CaseStatus, *, score: int, reasons: list[dict], when: datetime
) -> tuple[StepValidation, bool]:
    """The record's case (made if it has none) set to `status` with this score and these
    reasons, the record following it; and whether the case was open before."""
    db.session.flush()
    validation = db.session.execute(
        select(StepValidation).where(StepValidation.step_record_id == record.id)
    ).scalar_one_or_none()
    was_open = validation is not None and validation.status in OPEN_CASE_STATUSES
    if validation is None:
        validation = StepValidation(
            step_record_id=record.id, user_id=record.user_id, recorded_date=record.recorded_date
        )
        db.session.add(validation)
    validation.anomaly_score = score
    validation.reasons = reasons
    validation.status = status
    validation.updated_at = when
    record.status = RecordStatus(status)  # pending and rejected: the same word on both
    return validation, was_open


def fraud_case_changed(
    validation: StepValidation, state: str, by_id: int | None = None, by: str | None = None
) -> None:
    """Admins watching the fraud queue see a case arrive, get taken or get decided."""
    open_cases = db.session.execute(
        select(func.count())
        .select_from(StepValidation)
        .where(StepValidation.status.in_(OPEN_CASE_STATUSES))
    ).scalar_one()
    publish(
        ADMINS,
        "fraud-case",
        {
            "id": validation.id,
            "state": state,
            "by": by,
            "by_id": by_id,
            "day": validation.recorded_date.isoformat(),
            "open_count": open_cases,
        },
    )
