"""Steps: per-day credited totals and coins (SPEC §3). Sync lands here too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from app.backoffice.settings import AppSettings, get_settings
from app.coins import ledger
from app.core.db import transaction
from app.core.live_events import publish
from app.extensions import db
from app.fraud import linked_accounts
from app.fraud.cases import open_case, refuse_day
from app.fraud.scoring import (
    HISTORY_FETCH_DAYS,
    DayEvidence,
    Interval,
    MemberContext,
    Verdict,
    assess_day,
)
from app.gamification import achievements
from app.models.base import utcnow
from app.models.steps import RecordStatus, StepRecord, StepValidation
from app.models.users import User
from app.models.wallet import CoinTransaction
from app.steps.credited import credited_by_day


@dataclass(frozen=True)
class DayTotal:
    day: date
    credited_steps: int
    coins: int
    pending: bool
    rejected: bool
    # The largest record still under review / rejected that day (0 when there is none).
    pending_steps: int = 0
    rejected_steps: int = 0

    @property
    def status(self) -> str:
        """credited, pending (something under review) or rejected (nothing of it counted)."""
        if self.pending:
            return "pending"
        if self.rejected and not self.credited_steps:
            return "rejected"
        return "credited"

    @property
    def recorded_steps(self) -> int:
        """The day's height as recorded: under review or rejected days count what was synced."""
        if self.status == "pending":
            return max(self.credited_steps, self.pending_steps)
        if self.status == "rejected":
            return self.rejected_steps
        return self.credited_steps


def member_today(user: User, now: datetime | None = None) -> date:
    """The member's local calendar date (SPEC §3: dates are the member's own)."""
    return (now or utcnow()).astimezone(ZoneInfo(user.timezone)).date()


def coins_for_steps(credited_steps: int, *, daily_step_cap: int, steps_per_coin: int) -> int:
    return min(credited_steps, daily_step_cap) // steps_per_coin


def daily_totals(user_id: int, start: date, end: date) -> list[DayTotal]:
    """One entry per day from start to end inclusive, days without records as zeros."""
    in_range = StepRecord.recorded_date.between(start, end)
    credited = credited_by_day(user_id, in_range)
    pending = StepRecord.status == RecordStatus.PENDING
    rejected = StepRecord.status == RecordStatus.REJECTED
    held = {
        row.recorded_date: row
        for row in db.session.execute(
            select(
                StepRecord.recorded_date,
                func.sum(case((pending, 1), else_=0)).label("pending"),
                func.sum(case((rejected, 1), else_=0)).label("rejected"),
                func.max(case((pending, StepRecord.steps), else_=0)).label("pending_steps"),
                func.max(case((rejected, StepRecord.steps), else_=0)).label("rejected_steps"),
            )
            .where(StepRecord.user_id == user_id, in_range)
            .group_by(StepRecord.recorded_date)
        )
    }
    coins = dict(
        db.session.execute(
            select(CoinTransaction.reference_id, func.sum(CoinTransaction.amount))
            .where(
                CoinTransaction.user_id == user_id,
                CoinTransaction.transaction_type == "step_reward",
                CoinTransaction.reference_type == "step_day",
                CoinTransaction.reference_id.between(start.isoformat(), end.isoformat()),
            )
            .group_by(CoinTransaction.reference_id)
        ).all()
    )
    days: list[DayTotal] = []
    day = start
    while day <= end:
        row = held.get(day)
        days.append(
            DayTotal(
                day=day,
                credited_steps=credited.get(day, 0),
                coins=int(coins.get(day.isoformat(), 0)),
                pending=bool(row and row.pending),
                rejected=bool(row and row.rejected),
                pending_steps=int(row.pending_steps) if row else 0,
                rejected_steps=int(row.rejected_steps) if row else 0,
            )
        )
        day += timedelta(days=1)
    return days


def records_between(user_id: int, start: date, end: date) -> list[StepRecord]:
    """The member's records of these days (each with its validation), oldest day first."""
    return list(
        db.session.execute(
            select(StepRecord)
            .options(selectinload(StepRecord.validation))
            .where(
                StepRecord.user_id == user_id,
                StepRecord.recorded_date.between(start, end),
            )
            .order_by(StepRecord.recorded_date, StepRecord.source)
        ).scalars()
    )


def recent_validations(user_id: int, limit: int = 5) -> list[StepValidation]:
    """The member's latest flagged records (any status), newest day first."""
    return list(
        db.session.execute(
            select(StepValidation)
            .where(StepValidation.user_id == user_id)
            .order_by(StepValidation.recorded_date.desc(), StepValidation.id.desc())
            .limit(limit)
        ).scalars()
    )


# --- sync -------------------------------------------------------------------------------

HISTORY_DAYS = HISTORY_FETCH_DAYS  # what the scorer reads: 28 days, and 28 before for the climb


@dataclass(frozen=True)
class IncomingRecord:
    """One record from a phone, already type-checked by the API schema."""

    day: date
    steps: int
    source: str
    distance_m: float | None = None
    active_minutes: int | None = None
    recording_method: str = "automatic"
    client_record_id: str | None = None
    intervals: tuple[Interval, ...] = ()


@dataclass
class RecordResult:
    day: date
    source: str
    status: str  # accepted | unchanged | flagged | rejected
    steps: int
    coins_awarded: int = 0
    reasons: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "date": self.day.isoformat(),
            "source": self.source,
            "status": self.status,
            "steps": self.steps,
            "coins_awarded": self.coins_awarded,
            "reasons": self.reasons,
        }


def evidence_for(record: IncomingRecord) -> DayEvidence:
    """What the scorer reads of one incoming record (sync, the simulation, the backtest)."""
    return DayEvidence(
        steps=record.steps,
        distance_m=record.distance_m,
        active_minutes=record.active_minutes,
        intervals=record.intervals,
        recording_method=record.recording_method,
        source=record.source,
        day=record.day,
    )


def _reason(code: str, message: str) -> dict:
    return {"code": code, "message": message, "weight": 0}


def _intervals_json(intervals: tuple[Interval, ...]) -> list[dict] | None:
    if not intervals:
        return None
    return [
        {"start": i.start.isoformat(), "end": i.end.isoformat(), "steps": i.steps}
        | ({"distance_m": i.distance_m} if i.distance_m is not None else {})
        for i in intervals
    ]


def account_age_days(user: User, day: date) -> int:
    """Days from the member's sign-up (in their own zone) to the scored day."""
    joined = user.created_at.astimezone(ZoneInfo(user.timezone)).date()
    return max((day - joined).days, 0)


def member_context(
    user: User, day: date, settings: AppSettings, device_id: str | None, others: int
) -> MemberContext:
    return MemberContext(
        account_age_days=account_age_days(user, day),
        daily_step_cap=settings.daily_step_cap,
        device_id=device_id,
        other_accounts_on_device=others,
    )


def flag_message(verdict_reasons: list[dict]) -> str:
    """What the member is told when a day is held: the plain sentence of the main reason."""
    main = max(verdict_reasons, key=lambda r: r.get("weight", 0), default=None)
    why = f" Why: {main['message']}" if main and main.get("message") else ""
    return f"Coins for that day arrive once the review is done.{why}"


def day_coin_target(user_id: int, day: date, settings: AppSettings) -> int:
    """What a day should have earned: its credited steps, capped (SPEC §3)."""
    return day_coin_targets(user_id, {day}, settings)[day]


def day_coin_targets(
    user_id: int, days: set[date] | frozenset[date], settings: AppSettings
) -> dict[date, int]:
    """`day_coin_target` for several days in one query."""
    credited = credited_by_day(user_id, StepRecord.recorded_date.in_(days))
    return {
        day: coins_for_steps(
            credited.get(day, 0),
            daily_step_cap=settings.daily_step_cap,
            steps_per_coin=settings.steps_per_coin,
        )
        for day in days
    }


def sync_records(
    user: User,
    incoming: Sequence[IncomingRecord],
    *,
    device_id: str | None = None,
    now: datetime | None = None,
) -> list[RecordResult]:
    """Upsert a batch of a member's records, score them, award coins. One transaction.

    The member's wallet is locked first, so two syncs of one member run one after the
    other: each sees the other's records and awards only what is still missing.
    """
    settings = get_settings()
    when = now or utcnow()
    today = member_today(user, when)
    oldest = today - timedelta(days=settings.max_backfill_days)
    results: list[RecordResult] = []
    with transaction():
        ledger.lock_wallet(user.id)
        in_window = [r for r in incoming if oldest <= r.day <= today]
        history: dict[date, int] = {}
        if in_window:
            first = min(r.day for r in in_window)
            history = credited_by_day(
                user.id,
                StepRecord.recorded_date.between(first - timedelta(days=HISTORY_DAYS), today),
            )
        existing = {
            (rec.recorded_date, rec.source): rec
            for rec in db.session.execute(
                select(StepRecord).where(
                    StepRecord.user_id == user.id,
                    StepRecord.recorded_date.in_({r.day for r in in_window}),
                )
            ).scalars()
        }
        linked_accounts.record_device(user.id, device_id, when)
        others = linked_accounts.other_accounts_on_device(user.id, device_id, when)
        touched_days: set[date] = set()
        for record in incoming:
            context = member_context(user, record.day, settings, device_id, others)
            result = _sync_one(
                user, record, existing, history, settings, today, oldest, context, when
            )
            results.append(result)
            if result.status in ("accepted", "flagged"):
                touched_days.add(record.day)
        gained = ledger.post_step_rewards(
            user.id, day_coin_targets(user.id, touched_days, settings), now=when
        )
        _attribute_coins(results, gained)
        if touched_days:
            achievements.evaluate(user.id, moved=achievements.STEP_FACTS, now=when)
            publish(user.id, "steps", {"days": sorted(d.isoformat() for d in touched_days)})
    return results


def _attribute_coins(results: list[RecordResult], gained: dict[date, int]) -> None:
    """A day's new coins go on the result of its largest accepted record."""
    for day, coins in gained.items():
        candidates = [r for r in results if r.day == day and r.status == "accepted"]
        if candidates:
            max(candidates, key=lambda r: r.steps).coins_awarded += coins


def _sync_one(
    user: User,
    record: IncomingRecord,
    existing: dict[tuple[date, str], StepRecord],
    history: dict[date, int],
    settings: AppSettings,
    today: date,
    oldest: date,
    context: MemberContext,
    when: datetime,
) -> RecordResult:
    result = RecordResult(
        day=record.day, source=record.source, status="rejected", steps=record.steps
    )
    if record.day > today:
        result.reasons = [
            _reason("future_date", f"{record.day.isoformat()} has not happened yet in your zone.")
        ]
        return result
    if record.day < oldest:
        result.reasons = [
            _reason(
                "too_old",
                f"Only the last {settings.max_backfill_days} days can be synced; "
                f"{record.day.isoformat()} is older.",
            )
        ]
        return result
    row = existing.get((record.day, record.source))
    intervals_json = _intervals_json(record.intervals)
    if row is not None and (
        row.steps == record.steps
        and row.distance_m == record.distance_m
        and row.active_minutes == record.active_minutes
        and row.recording_method == record.recording_method
        and (row.intervals or None) == intervals_json
    ):
        result.status = "unchanged" if row.status != RecordStatus.REJECTED else "rejected"
        if row.status == RecordStatus.REJECTED:
            result.reasons = [_reason("rejected_on_review", "This day was rejected on review.")]
        return result
    if row is not None and row.status == RecordStatus.REJECTED:
        result.reasons = [
            _reason("rejected_on_review", "This day was rejected on review; appeal it instead.")
        ]
        return result

    verdict: Verdict = assess_day(
        evidence_for(record),
        history,
        threshold=settings.anomaly_threshold,
        hard_limit=settings.hard_daily_step_limit,
        context=context,
    )
    if row is None:
        row = StepRecord(user_id=user.id, recorded_date=record.day, source=record.source)
        db.session.add(row)
        existing[(record.day, record.source)] = row
    row.steps = record.steps
    row.distance_m = record.distance_m
    row.active_minutes = record.active_minutes
    row.recording_method = record.recording_method
    row.client_record_id = record.client_record_id
    row.device_id = context.device_id
    row.intervals = intervals_json
    row.anomaly_score = verdict.score
    row.updated_at = when
    result.reasons = [r.as_dict() for r in verdict.reasons]
    if verdict.rejected:
        # Refused, but kept with its reasons: admins see the attempt, it is never paid.
        refuse_day(row, score=verdict.score, reasons=result.reasons, when=when)
        result.status = "rejected"
    elif verdict.needs_review:
        open_case(
            row,
            score=verdict.score,
            reasons=result.reasons,
            when=when,
            message=flag_message(result.reasons),
        )
        result.status = "flagged"
    else:
        row.status = RecordStatus.VERIFIED
        result.status = "accepted"
        history[record.day] = max(history.get(record.day, 0), record.steps)
    db.session.flush()
    return result
