"""Admin review of flagged days (SPEC §3, layer 3): the fraud queue, approve, reject.

A case is open while its status is `pending` or `appealed`. Closing it is a conditional
UPDATE on that status, so of two admins acting on one case at once exactly one wins and
the other is told who got there first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, select, update

from app.backoffice.audit import record_admin_action
from app.backoffice.settings import get_settings
from app.coins import ledger
from app.core.db import rows_affected, transaction
from app.core.errors import AlreadyReviewed, NotFound, ValidationFailed
from app.core.live_events import publish
from app.core.notifications import notify
from app.core.search import any_contains
from app.extensions import db
from app.fraud.cases import fraud_case_changed
from app.fraud.linked_accounts import (
    LinkedAccount,
    accounts_per_device,
    linked_accounts,
    signup_address,
)
from app.fraud.rescoring import HISTORY_DAYS, assess_stored_record
from app.fraud.scoring import Signal
from app.gamification import achievements
from app.models.base import utcnow
from app.models.steps import (
    OPEN_CASE_STATUSES,
    CaseStatus,
    RecordStatus,
    StepRecord,
    StepValidation,
)
from app.models.users import User
from app.steps.credited import credited_by_member
from app.steps.sync import (
    daily_totals,
    day_coin_target,
)

OPEN = OPEN_CASE_STATUSES
MAX_NOTE = 2000


@dataclass(frozen=True)
class QueueFilters:
    status: str = "open"  # open | pending | appealed | approved | rejected | all
    min_score: int | None = None
    max_score: int | None = None
    source: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    member: str | None = None


@dataclass(frozen=True)
class Case:
    validation: StepValidation
    record: StepRecord
    member: User


def _queue_query(filters: QueueFilters) -> Select:
    v, r, u = StepValidation, StepRecord, User
    stmt = select(v, r, u).join(r, r.id == v.step_record_id).join(u, u.id == v.user_id)
    if filters.status == "open":
        stmt = stmt.where(v.status.in_(OPEN))
    elif filters.status != "all":
        stmt = stmt.where(v.status == filters.status)
    if filters.min_score is not None:
        stmt = stmt.where(v.anomaly_score >= filters.min_score)
    if filters.max_score is not None:
        stmt = stmt.where(v.anomaly_score <= filters.max_score)
    if filters.source:
        stmt = stmt.where(r.source == filters.source)
    if filters.date_from:
        stmt = stmt.where(v.recorded_date >= filters.date_from)
    if filters.date_to:
        stmt = stmt.where(v.recorded_date <= filters.date_to)
    if filters.member:
        stmt = stmt.where(any_contains(filters.member, u.email, u.full_name, u.referral_code))
    return stmt


def queue(filters: QueueFilters, *, limit: int = 50, offset: int = 0) -> list[Case]:
    """Open cases, highest anomaly score first, oldest first among equals."""
    rows = db.session.execute(
        _queue_query(filters)
        .order_by(StepValidation.anomaly_score.desc(), StepValidation.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return [Case(v, r, u) for v, r, u in rows]


def cases_after(filters: QueueFilters, *, after_id: int | None, limit: int) -> list[Case]:
    """Cases in id order (oldest first) after `after_id`: stable pages for the admin API."""
    stmt = _queue_query(filters)
    if after_id is not None:
        stmt = stmt.where(StepValidation.id > after_id)
    rows = db.session.execute(stmt.order_by(StepValidation.id).limit(limit)).all()
    return [Case(v, r, u) for v, r, u in rows]


def queue_size(filters: QueueFilters | None = None) -> int:
    stmt = _queue_query(filters or QueueFilters()).subquery()
    return db.session.execute(select(func.count()).select_from(stmt)).scalar_one()


@dataclass(frozen=True)
class Evidence:
    case: Case
    days: list  # DayTotal for the 30 days up to the flagged day
    other_sources: list[StepRecord]
    account_age_days: int
    past_flags: dict[str, int]
    signals: list[Signal] = field(default_factory=list)  # the current model, check by check
    linked: list[LinkedAccount] = field(default_factory=list)
    signup_address: str | None = None


def evidence(validation_id: int, *, now: datetime | None = None) -> Evidence:
    row = db.session.execute(
        select(StepValidation, StepRecord, User)
        .join(StepRecord, StepRecord.id == StepValidation.step_record_id)
        .join(User, User.id == StepValidation.user_id)
        .where(StepValidation.id == validation_id)
    ).first()
    if row is None:
        raise NotFound("No such case.")
    case = Case(*row)
    day = case.validation.recorded_date
    others = (
        db.session.execute(
            select(StepRecord).where(
                StepRecord.user_id == case.member.id,
                StepRecord.recorded_date == day,
                StepRecord.id != case.record.id,
            )
        )
        .scalars()
        .all()
    )
    past = dict(
        db.session.execute(
            select(StepValidation.status, func.count())
            .where(
                StepValidation.user_id == case.member.id,
                StepValidation.id != validation_id,
            )
            .group_by(StepValidation.status)
        ).all()
    )
    when = now or utcnow()
    age = (when - case.member.created_at).days
    history = credited_by_member([case.member.id], day - timedelta(days=HISTORY_DAYS))
    sharing = accounts_per_device([case.record.device_id] if case.record.device_id else [], when)
    verdict = assess_stored_record(
        case.record, history.get(case.member.id, {}), case.member, get_settings(), sharing
    )
    return Evidence(
        case=case,
        days=daily_totals(case.member.id, day - timedelta(days=29), day),
        other_sources=list(others),
        account_age_days=max(age, 0),
        past_flags={k: int(v) for k, v in past.items()},
        signals=list(verdict.signals),
        linked=linked_accounts(case.member.id),
        signup_address=signup_address(case.member.id),
    )


def _admin_name(admin_id: int) -> str:
    admin = db.session.get(User, admin_id)
    return admin.full_name if admin else "another admin"


def take(validation_id: int, *, admin_id: int) -> Evidence:
    """An admin opens a case: its evidence, and the other admins see who is looking at it."""
    found = evidence(validation_id)
    if found.case.validation.status in OPEN:
        fraud_case_changed(found.case.validation, "taken", by_id=admin_id, by=_admin_name(admin_id))
    return found


def _close(
    validation_id: int, status: CaseStatus, admin_id: int, note: str | None, now: datetime
) -> StepValidation:
    claimed = rows_affected(
        update(StepValidation)
        .where(StepValidation.id == validation_id, StepValidation.status.in_(OPEN))
        .values(status=status, reviewed_by_id=admin_id, reviewed_at=now, review_note=note)
        .execution_options(synchronize_session=False)
    )
    validation = db.session.execute(
        select(StepValidation)
        .where(StepValidation.id == validation_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if validation is None:
        raise NotFound("No such case.")
    if claimed != 1:
        reviewer = (
            db.session.get(User, validation.reviewed_by_id) if validation.reviewed_by_id else None
        )
        who = f" by {reviewer.full_name}" if reviewer else ""
        raise AlreadyReviewed(
            f"This day was already {validation.status}{who}; the queue has moved on."
        )
    return validation


def approve(
    validation_id: int, *, admin_id: int, note: str | None = None, now: datetime | None = None
) -> int:
    """Approve a flagged day: its steps count and its coins are awarded now. Returns coins."""
    when = now or utcnow()
    note = (note or "").strip()[:MAX_NOTE] or None
    with transaction():
        validation = _close(validation_id, CaseStatus.APPROVED, admin_id, note, when)
        record = db.session.get_one(StepRecord, validation.step_record_id)
        before = record.status
        record.status = RecordStatus.VERIFIED
        record.updated_at = when
        db.session.flush()
        target = day_coin_target(record.user_id, record.recorded_date, get_settings())
        posted = ledger.award_step_coins(record.user_id, record.recorded_date, target, now=when)
        coins = posted.amount if posted else 0
        notify(
            record.user_id,
            "flag",
            f"Your steps on {record.recorded_date.isoformat()} were approved",
            f"+{coins} coins." if coins else "They now count toward your totals.",
            link="/steps",
        )
        achievements.evaluate(record.user_id, moved=achievements.STEP_FACTS, now=when)
        publish(record.user_id, "steps", {"days": [record.recorded_date.isoformat()]})
        fraud_case_changed(validation, "approved", by_id=admin_id, by=_admin_name(admin_id))
        record_admin_action(
            admin_id,
            "fraud.approve",
            "step_validation",
            validation_id,
            before={"status": before, "steps": record.steps},
            after={"status": CaseStatus.APPROVED, "coins_awarded": coins},
            note=note,
        )
    return coins


def reject(validation_id: int, *, admin_id: int, note: str, now: datetime | None = None) -> None:
    """Reject a flagged day; the note is what the member reads."""
    when = now or utcnow()
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("Say why: the member reads this note.", details=[{"field": "note"}])
    note = note[:MAX_NOTE]
    with transaction():
        validation = _close(validation_id, CaseStatus.REJECTED, admin_id, note, when)
        record = db.session.get_one(StepRecord, validation.step_record_id)
        before = record.status
        record.status = RecordStatus.REJECTED
        record.updated_at = when
        notify(
            record.user_id,
            "flag",
            f"Your steps on {record.recorded_date.isoformat()} were not accepted",
            note,
            link="/steps",
        )
        publish(record.user_id, "steps", {"days": [record.recorded_date.isoformat()]})
        fraud_case_changed(validation, "rejected", by_id=admin_id, by=_admin_name(admin_id))
        record_admin_action(
            admin_id,
            "fraud.reject",
            "step_validation",
            validation_id,
            before={"status": before, "steps": record.steps},
            after={"status": CaseStatus.REJECTED},
            note=note,
        )


@dataclass
class BulkOutcome:
    done: list[int]
    skipped: dict[int, str]


def bulk(
    validation_ids: list[int], action: str, *, admin_id: int, note: str | None = None
) -> BulkOutcome:
    """Approve or reject many cases; each is its own transaction, so one clash skips one."""
    if action not in ("approve", "reject"):
        raise ValidationFailed("Choose approve or reject.")
    if action == "reject" and not (note or "").strip():
        raise ValidationFailed("Say why: the members read this note.", details=[{"field": "note"}])
    outcome = BulkOutcome(done=[], skipped={})
    for validation_id in dict.fromkeys(validation_ids):
        try:
            if action == "approve":
                approve(validation_id, admin_id=admin_id, note=note)
            else:
                reject(validation_id, admin_id=admin_id, note=note or "")
            outcome.done.append(validation_id)
        except (AlreadyReviewed, NotFound) as exc:
            outcome.skipped[validation_id] = exc.message
    return outcome
