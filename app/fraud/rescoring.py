"""Anomaly re-scoring (SPEC §3): recent days scored again once more history has arrived.

A day is scored at sync time against whatever history the member had then; backfilled
days arriving later can change the picture. Nightly, every verified or pending record of
the last `max_backfill_days` days is assessed again by `anticheat.assess_day` against the
member's dated credited history (the same window and context sync uses), and:

- its `anomaly_score` is updated;
- a record whose score now reaches `anomaly_threshold` and that has no validation gets a
  pending `step_validations` row, is set to `pending` (so it stops counting on
  leaderboards until reviewed) and the member is notified — unless an admin already
  reviewed any record of that day (approved, rejected or appealed): never re-flagged;
- an open (pending) case gets the new score and reasons, so the reviewer sees them;
- coins are never touched: what a day earned stays earned (no claw-back).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.backoffice.settings import AppSettings, get_settings
from app.core.db import transaction
from app.extensions import db
from app.fraud.cases import open_case
from app.fraud.linked_accounts import accounts_per_device
from app.fraud.scoring import HISTORY_FETCH_DAYS, DayEvidence, Interval, Verdict, assess_day
from app.models.base import utcnow
from app.models.steps import CaseStatus, RecordStatus, StepRecord, StepValidation
from app.models.users import User
from app.steps.credited import credited_by_member
from app.steps.sync import member_context

# The trailing window of daily totals a day is judged against (as at ingest and in the seeds).
HISTORY_DAYS = HISTORY_FETCH_DAYS
RESCORE_MESSAGE = (
    "With more of your history in, this day stands out; an admin will look at it. "
    "Coins already earned stay yours."
)
RESCORED_STATUSES = (RecordStatus.VERIFIED, RecordStatus.PENDING)
REVIEWED_STATUSES = (CaseStatus.APPROVED, CaseStatus.REJECTED, CaseStatus.APPEALED)
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
            _rescore_chunk(chunk, since, settings, result, when)
        if progress is not None:
            progress(len(chunk))
    return result


def history_before(days: dict[date, int], day: date) -> dict[date, int]:
    return {d: steps for d, steps in days.items() if day - timedelta(days=HISTORY_DAYS) <= d < day}


def _rescore_chunk(
    user_ids: list[int],
    since: date,
    settings: AppSettings,
    result: RescoreResult,
    when: datetime,
) -> None:
    found = db.session.execute(
        select(StepRecord)
        .where(
            StepRecord.user_id.in_(user_ids),
            StepRecord.recorded_date >= since,
            StepRecord.status.in_(RESCORED_STATUSES),
        )
        .order_by(StepRecord.user_id, StepRecord.recorded_date, StepRecord.id)
    ).scalars()
    history = credited_by_member(user_ids, since - timedelta(days=HISTORY_DAYS))
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

    records = list(found)
    members = {
        u.id: u for u in db.session.execute(select(User).where(User.id.in_(user_ids))).scalars()
    }
    sharing = accounts_per_device({r.device_id for r in records if r.device_id}, when)
    notified: set[tuple[int, date]] = set()
    for record in records:
        verdict = assess_stored_record(
            record, history.get(record.user_id, {}), members[record.user_id], settings, sharing
        )
        result.records_rescored += 1
        if verdict.score != record.anomaly_score:
            record.anomaly_score = verdict.score
            result.scores_changed += 1
        day_key = (record.user_id, record.recorded_date)
        case_file = by_record.get(record.id)
        if case_file is not None:
            if case_file.status == CaseStatus.PENDING and _refresh_case(case_file, verdict):
                result.cases_updated += 1
            continue
        if verdict.score < settings.anomaly_threshold or day_key in reviewed_days:
            continue
        # Under review it leaves the leaderboards; the coins it already earned stay.
        open_case(
            record,
            score=verdict.score,
            reasons=[reason.as_dict() for reason in verdict.reasons],
            when=when,
            message=RESCORE_MESSAGE,
            notify_member=day_key not in notified,
        )
        notified.add(day_key)
        result.flagged.append(day_key)
    db.session.flush()


def assess_stored_record(
    record: StepRecord,
    history: dict[date, int],
    member: User,
    settings: AppSettings,
    sharing: dict[str, set[int]],
    *,
    threshold: int | None = None,
) -> Verdict:
    """A stored record scored by the current model, as sync would score it today."""
    others = len(sharing.get(record.device_id or "", set()) - {record.user_id})
    return assess_day(
        evidence(record),
        history_before(history, record.recorded_date),
        threshold=settings.anomaly_threshold if threshold is None else threshold,
        hard_limit=settings.hard_daily_step_limit,
        context=member_context(member, record.recorded_date, settings, record.device_id, others),
    )


def _refresh_case(case_file: StepValidation, verdict: Verdict) -> bool:
    reasons = [reason.as_dict() for reason in verdict.reasons]
    if case_file.anomaly_score == verdict.score and case_file.reasons == reasons:
        return False
    case_file.anomaly_score = verdict.score
    case_file.reasons = reasons
    return True


def evidence(record: StepRecord) -> DayEvidence:
    return DayEvidence(
        steps=record.steps,
        distance_m=record.distance_m,
        active_minutes=record.active_minutes,
        intervals=tuple(_intervals(record.intervals or [])),
        recording_method=record.recording_method,
        source=record.source,
        day=record.recorded_date,
    )


def _intervals(raw: Iterable[Any]) -> Iterable[Interval]:
    # Stored as synced ({start, end, steps} with ISO times); a malformed one is left out.
    for item in raw:
        try:
            yield Interval(
                start=_aware(datetime.fromisoformat(str(item["start"]))),
                end=_aware(datetime.fromisoformat(str(item["end"]))),
                steps=int(item["steps"]),
                distance_m=float(item["distance_m"]) if item.get("distance_m") else None,
            )
        except (KeyError, TypeError, ValueError):
            continue


def _aware(moment: datetime) -> datetime:
    # Naive and aware times cannot be compared; a time without an offset is read as UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
