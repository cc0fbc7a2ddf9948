"""Steps: per-day credited totals and coins (SPEC §3). Sync lands here too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from app.backoffice.settings import AppSettings, get_settings
from app.coins import ledger
from app.core.db import is_postgres, transaction
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
from app.steps.credited import credited_by_day, credited_of


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


@dataclass
class _Stored:
    """A record as sync sees it: what tells an unchanged re-sync, and what credits its day."""

    steps: int
    status: str
    distance_m: float | None = None
    active_minutes: int | None = None
    recording_method: str = "automatic"
    intervals: list | None = None

    def same_as(self, record: IncomingRecord, intervals_json: list[dict] | None) -> bool:
        return (
            self.steps == record.steps
            and self.distance_m == record.distance_m
            and self.active_minutes == record.active_minutes
            and self.recording_method == record.recording_method
            and (self.intervals or None) == intervals_json
        )


@dataclass
class _Write:
    """One record to upsert, with the verdict a flagged or refused day's case keeps."""

    record: IncomingRecord
    values: dict
    score: int
    reasons: list[dict]


def _stored_records(
    user_id: int, since: date, today: date, synced_days: set[date]
) -> dict[tuple[date, str], _Stored]:
    """The member's records from `since` to `today` in one read: the scorer's history and
    the rows this batch may rewrite (intervals only of the days being synced)."""
    rows = db.session.execute(
        select(
            StepRecord.recorded_date,
            StepRecord.source,
            StepRecord.steps,
            StepRecord.status,
            StepRecord.distance_m,
            StepRecord.active_minutes,
            StepRecord.recording_method,
            case(
                (StepRecord.recorded_date.in_(synced_days), StepRecord.intervals),
                else_=None,
            ).label("intervals"),
        ).where(StepRecord.user_id == user_id, StepRecord.recorded_date.between(since, today))
    )
    return {
        (row.recorded_date, row.source): _Stored(
            steps=row.steps,
            status=row.status,
            distance_m=row.distance_m,
            active_minutes=row.active_minutes,
            recording_method=row.recording_method,
            intervals=row.intervals,
        )
        for row in rows
    }


def _credited(stored: dict[tuple[date, str], _Stored]) -> dict[date, int]:
    return credited_of((day, row.steps, row.status) for (day, _), row in stored.items())


@dataclass(frozen=True)
class SyncOutcome:
    results: list[RecordResult]
    wallet: dict[str, int]  # the member's balance as this sync committed it


def sync_records(
    user: User,
    incoming: Sequence[IncomingRecord],
    *,
    device_id: str | None = None,
    now: datetime | None = None,
) -> list[RecordResult]:
    """`sync_batch`'s per-record answers."""
    return sync_batch(user, incoming, device_id=device_id, now=now).results


def sync_batch(
    user: User,
    incoming: Sequence[IncomingRecord],
    *,
    device_id: str | None = None,
    now: datetime | None = None,
) -> SyncOutcome:
    """Upsert a batch of a member's records, score them, award coins. One transaction.

    The member's wallet is locked first, so two syncs of one member run one after the
    other: each sees the other's records and awards only what is still missing. The batch
    costs a fixed number of statements whatever its size: one read of the member's recent
    records, one upsert, one ledger append (a flagged day adds its case).
    """
    settings = get_settings()
    when = now or utcnow()
    today = member_today(user, when)
    oldest = today - timedelta(days=settings.max_backfill_days)
    results: list[RecordResult] = []
    with transaction():
        wallet = ledger.lock_wallet(user.id)
        in_window = [r for r in incoming if oldest <= r.day <= today]
        stored: dict[tuple[date, str], _Stored] = {}
        history: dict[date, int] = {}
        if in_window:
            first = min(r.day for r in in_window)
            since = first - timedelta(days=HISTORY_DAYS)
            stored = _stored_records(user.id, since, today, {r.day for r in in_window})
            history = _credited(stored)
        others = linked_accounts.record_device_and_count_others(user.id, device_id, when)
        writes: list[_Write] = []
        for record in incoming:
            context = member_context(user, record.day, settings, device_id, others)
            result, write = _score_one(record, stored, history, settings, today, oldest, context)
            results.append(result)
            if write is not None:
                writes.append(write)
        touched_days = {r.day for r in results if r.status in ("accepted", "flagged")}
        _store(user.id, writes, when)
        credited = _credited(stored)
        targets = {
            day: coins_for_steps(
                credited.get(day, 0),
                daily_step_cap=settings.daily_step_cap,
                steps_per_coin=settings.steps_per_coin,
            )
            for day in touched_days
        }
        gained = ledger.post_step_rewards(user.id, targets, now=when, locked=wallet)
        _attribute_coins(results, gained)
        if touched_days:
            achievements.evaluate(user.id, moved=achievements.STEP_FACTS, now=when)
            publish(user.id, "steps", {"days": sorted(d.isoformat() for d in touched_days)})
        # The wallet object followed every change (achievement rewards lock it afresh).
        balance = wallet.as_dict()
    return SyncOutcome(results, balance)


def _attribute_coins(results: list[RecordResult], gained: dict[date, int]) -> None:
    """A day's new coins go on the result of its largest accepted record."""
    for day, coins in gained.items():
        candidates = [r for r in results if r.day == day and r.status == "accepted"]
        if candidates:
            max(candidates, key=lambda r: r.steps).coins_awarded += coins


def _score_one(
    record: IncomingRecord,
    stored: dict[tuple[date, str], _Stored],
    history: dict[date, int],
    settings: AppSettings,
    today: date,
    oldest: date,
    context: MemberContext,
) -> tuple[RecordResult, _Write | None]:
    """The record's answer and, when it changes something, what to write. `stored` and
    `history` follow the batch, so a later record sees what an earlier one did."""
    result = RecordResult(
        day=record.day, source=record.source, status="rejected", steps=record.steps
    )
    if record.day > today:
        result.reasons = [
            _reason("future_date", f"{record.day.isoformat()} has not happened yet in your zone.")
        ]
        return result, None
    if record.day < oldest:
        result.reasons = [
            _reason(
                "too_old",
                f"Only the last {settings.max_backfill_days} days can be synced; "
                f"{record.day.isoformat()} is older.",
            )
        ]
        return result, None
    key = (record.day, record.source)
    row = stored.get(key)
    intervals_json = _intervals_json(record.intervals)
    if row is not None and row.same_as(record, intervals_json):
        result.status = "unchanged" if row.status != RecordStatus.REJECTED else "rejected"
        if row.status == RecordStatus.REJECTED:
            result.reasons = [_reason("rejected_on_review", "This day was rejected on review.")]
        return result, None
    if row is not None and row.status == RecordStatus.REJECTED:
        result.reasons = [
            _reason("rejected_on_review", "This day was rejected on review; appeal it instead.")
        ]
        return result, None

    verdict: Verdict = assess_day(
        evidence_for(record),
        history,
        threshold=settings.anomaly_threshold,
        hard_limit=settings.hard_daily_step_limit,
        context=context,
    )
    result.reasons = [r.as_dict() for r in verdict.reasons]
    if verdict.rejected:
        # Refused, but kept with its reasons: admins see the attempt, it is never paid.
        status, result.status = RecordStatus.REJECTED, "rejected"
    elif verdict.needs_review:
        status, result.status = RecordStatus.PENDING, "flagged"
    else:
        status, result.status = RecordStatus.VERIFIED, "accepted"
        history[record.day] = max(history.get(record.day, 0), record.steps)
    stored[key] = _Stored(
        steps=record.steps,
        status=status,
        distance_m=record.distance_m,
        active_minutes=record.active_minutes,
        recording_method=record.recording_method,
        intervals=intervals_json,
    )
    values = {
        "recorded_date": record.day,
        "source": record.source,
        "steps": record.steps,
        "distance_m": record.distance_m,
        "active_minutes": record.active_minutes,
        "recording_method": record.recording_method,
        "client_record_id": record.client_record_id,
        "device_id": context.device_id,
        "intervals": intervals_json,
        "anomaly_score": verdict.score,
        "status": str(status),
    }
    return result, _Write(record, values, verdict.score, result.reasons)


# Written by a sync; the rest of a record (id, user, day, source, created_at) never changes.
_REWRITTEN = (
    "steps",
    "distance_m",
    "active_minutes",
    "recording_method",
    "client_record_id",
    "device_id",
    "intervals",
    "anomaly_score",
    "status",
    "updated_at",
)


def _store(user_id: int, writes: list[_Write], when: datetime) -> None:
    """Upsert the batch's records in one statement, then open the cases of flagged and
    refused days. A batch naming one (day, source) twice goes in as several statements, in
    order: one upsert cannot touch a row twice."""
    batches: list[list[_Write]] = [[]]
    for write in writes:
        key = (write.record.day, write.record.source)
        if any((w.record.day, w.record.source) == key for w in batches[-1]):
            batches.append([])
        batches[-1].append(write)
    if not writes:
        return
    for batch in batches:
        ids = _upsert(user_id, [w.values for w in batch], when)
        for write in batch:
            if write.values["status"] != RecordStatus.VERIFIED:
                _open_case(ids[(write.record.day, write.record.source)], write, when)
    _forget_cached_records(user_id)


def _upsert(user_id: int, values: list[dict], when: datetime) -> dict[tuple[date, str], int]:
    """One INSERT … ON CONFLICT DO UPDATE for the rows (parameters as a list: the statement
    compiles once per process, and still goes as one multi-row statement)."""
    insert = postgres_insert if is_postgres() else sqlite_insert
    statement = insert(StepRecord.__table__)
    upsert = statement.on_conflict_do_update(
        index_elements=["user_id", "recorded_date", "source"],
        set_={name: statement.excluded[name] for name in _REWRITTEN},
    ).returning(StepRecord.id, StepRecord.recorded_date, StepRecord.source)
    rows = [{**v, "user_id": user_id, "updated_at": when, "created_at": when} for v in values]
    return {(day, source): id_ for id_, day, source in db.session.execute(upsert, rows)}


def _open_case(record_id: int, write: _Write, when: datetime) -> None:
    row = db.session.get_one(StepRecord, record_id, populate_existing=True)
    if write.values["status"] == RecordStatus.REJECTED:
        refuse_day(row, score=write.score, reasons=write.reasons, when=when)
    else:
        open_case(
            row,
            score=write.score,
            reasons=write.reasons,
            when=when,
            message=flag_message(write.reasons),
        )


def _forget_cached_records(user_id: int) -> None:
    """The upsert went past the session: records of this member it holds are stale."""
    for item in list(db.session.identity_map.values()):
        if isinstance(item, StepRecord) and item.user_id == user_id:
            db.session.expire(item)
