"""Anomaly re-scoring (SPEC §3): recent days scored again once more history has arrived.

A day is scored at sync time against whatever history the member had then; backfilled
days arriving later can change the picture. Nightly, every verified or pending record of
the last `max_backfill_days` days is assessed again by `anticheat.assess_day` against the
member's credited history of the HISTORY_DAYS days before it, and:

- its `anomaly_score` is updated;
- a record whose score now reaches `anomaly_threshold` and that has no validation gets a
  pending `step_validations` row, is set to `pending` (so it stops counting on
  leaderboards until reviewed) and the member is notified — unless an admin already
  reviewed any record of that day (approved, rejected or appealed): never re-flagged;
- an open (pending) case gets the new score and reasons, so the reviewer sees them;
- coins are never touched: what a day earned stays earned (no claw-back).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select

from app.extensions import db
from app.models.base import utcnow
from app.models.steps import StepRecord, StepValidation
from app.services.anticheat import DayEvidence, Interval, Verdict, assess_day
from app.services.db import transaction
from app.services.notifications import notify
from app.services.settings import AppSettings, get_settings
from app.services.steps import fraud_case_changed

# The trailing window of daily totals a day is judged against (as at ingest and in the seeds).
HISTORY_DAYS = 30
RESCORED_STATUSES = ("verified", "pending")
REVIEWED_STATUSES = ("approved", "rejected", "appealed")
USERS_PER_CHUNK = 500


@dataclass
class RescoreResult:
    records_rescored: int = 0
    scores_changed: int = 0
    cases_updated: int = 0
    flagged: list[tuple[int, date]] = field(default_factory=list)

    def as_details(self) -> dict[str, Any]:
        return {
            "records_rescored": self.records_rescored,
            "scores_changed": self.scores_changed,
            "cases_updated": self.cases_updated,
            "days_flagged": len(self.flagged),
            "flagged": [
                {"user_id": user_id, "date": day.isoformat()} for user_id, day in self.flagged
            ][:200],
        }


def first_rescored_day(now: datetime, settings: AppSettings) -> date:
    return now.date() - timedelta(days=settings.max_backfill_days)


def members_to_rescore(since: date) -> list[int]:
    return list(
        db.session.execute(
            select(StepRecord.user_id)
            .where(
                StepRecord.recorded_date >= since,
                StepRecord.status.in_(RESCORED_STATUSES),
            )
            .distinct()
            .order_by(StepRecord.user_id)
        ).scalars()
    )


def rescore_recent_days(
    *,
    now: datetime | None = None,
    user_ids: list[int] | None = None,
    progress: Callable[[int], object] | None = None,
) -> RescoreResult:
    """Re-score the recent days of every member (or of `user_ids`), a chunk per transaction."""
    when = now or utcnow()
    settings = get_settings()
    since = first_rescored_day(when, settings)
    if user_ids is None:
        user_ids = members_to_rescore(since)
    db.session.commit()  # end the reads' transaction before the chunks start theirs
    result = RescoreResult()
    for start in range(0, len(user_ids), USERS_PER_CHUNK):
        chunk = user_ids[start : start + USERS_PER_CHUNK]
        with transaction():
            _rescore_chunk(chunk, since, settings, result)
        if progress is not None:
            progress(len(chunk))
    return result


def _credited_history(user_ids: list[int], since: date) -> dict[int, dict[date, int]]:
    rows = db.session.execute(
        select(
            StepRecord.user_id,
            StepRecord.recorded_date,
            func.max(case((StepRecord.status == "verified", StepRecord.steps), else_=0)),
        )
        .where(StepRecord.user_id.in_(user_ids), StepRecord.recorded_date >= since)
        .group_by(StepRecord.user_id, StepRecord.recorded_date)
    ).all()
    history: dict[int, dict[date, int]] = defaultdict(dict)
    for user_id, day, steps in rows:
        history[user_id][day] = int(steps)
    return history


def _history_before(days: dict[date, int], day: date) -> list[int]:
    return [
        days[d]
        for offset in range(HISTORY_DAYS, 0, -1)
        if (d := day - timedelta(days=offset)) in days
    ]


def _rescore_chunk(
    user_ids: list[int], since: date, settings: AppSettings, result: RescoreResult
) -> None:
    records = db.session.execute(
        select(StepRecord)
        .where(
            StepRecord.user_id.in_(user_ids),
            StepRecord.recorded_date >= since,
            StepRecord.status.in_(RESCORED_STATUSES),
        )
        .order_by(StepRecord.user_id, StepRecord.recorded_date, StepRecord.id)
    ).scalars()
    history = _credited_history(user_ids, since - timedelta(days=HISTORY_DAYS))
    validations = db.session.execute(
        select(StepValidation).where(
            StepValidation.user_id.in_(user_ids), StepValidation.recorded_date >= since
        )
    ).scalars()
    by_record: dict[int, StepValidation] = {}
    reviewed_days: set[tuple[int, date]] = set()
    for validation in validations:
        by_record[validation.step_record_id] = validation
        if validation.status in REVIEWED_STATUSES:
            reviewed_days.add((validation.user_id, validation.recorded_date))

    notified: set[tuple[int, date]] = set()
    for record in records:
        verdict = assess_day(
            _evidence(record),
            _history_before(history.get(record.user_id, {}), record.recorded_date),
            threshold=settings.anomaly_threshold,
            hard_limit=settings.hard_daily_step_limit,
        )
        result.records_rescored += 1
        if verdict.score != record.anomaly_score:
            record.anomaly_score = verdict.score
            result.scores_changed += 1
        day_key = (record.user_id, record.recorded_date)
        case_file = by_record.get(record.id)
        if case_file is not None:
            if case_file.status == "pending" and _refresh_case(case_file, verdict):
                result.cases_updated += 1
            continue
        if verdict.score < settings.anomaly_threshold or day_key in reviewed_days:
            continue
        _open_case(record, verdict)
        result.flagged.append(day_key)
        if day_key not in notified:
            notified.add(day_key)
            notify(
                record.user_id,
                "flag",
                f"Your steps on {record.recorded_date.isoformat()} are being reviewed",
                "With more of your history in, this day stands out; an admin will look at it. "
                "Coins already earned stay yours.",
                link="/steps",
            )
    db.session.flush()


def _refresh_case(case_file: StepValidation, verdict: Verdict) -> bool:
    reasons = [reason.as_dict() for reason in verdict.reasons]
    if case_file.anomaly_score == verdict.score and case_file.reasons == reasons:
        return False
    case_file.anomaly_score = verdict.score
    case_file.reasons = reasons
    return True


def _open_case(record: StepRecord, verdict: Verdict) -> None:
    case_file = StepValidation(
        step_record_id=record.id,
        user_id=record.user_id,
        recorded_date=record.recorded_date,
        anomaly_score=verdict.score,
        reasons=[reason.as_dict() for reason in verdict.reasons],
        is_suspicious=True,
        status="pending",
    )
    db.session.add(case_file)
    # Under review it leaves the leaderboards; the coins it already earned stay.
    record.status = "pending"
    db.session.flush()
    fraud_case_changed(case_file, "new")


def _evidence(record: StepRecord) -> DayEvidence:
    return DayEvidence(
        steps=record.steps,
        distance_m=record.distance_m,
        active_minutes=record.active_minutes,
        intervals=tuple(_intervals(record.intervals or [])),
        recording_method=record.recording_method,
    )


def _intervals(raw: Iterable[Any]) -> Iterable[Interval]:
    # Stored as synced ({start, end, steps} with ISO times); a malformed one is left out.
    for item in raw:
        try:
            yield Interval(
                start=_aware(datetime.fromisoformat(str(item["start"]))),
                end=_aware(datetime.fromisoformat(str(item["end"]))),
                steps=int(item["steps"]),
            )
        except (KeyError, TypeError, ValueError):
            continue


def _aware(moment: datetime) -> datetime:
    # Naive and aware times cannot be compared; a time without an offset is read as UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
