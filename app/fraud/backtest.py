"""Back-testing the anti-cheat on stored days: what the current model (and a threshold
one is thinking of) would decide, against what was decided. Read-only.

Every record of the last N days is scored again exactly as the nightly rescore does
(`rescoring.assess_stored_record`: the same history window and member context as sync),
and compared with its case, if any:

- an open case (pending or appealed) the model would no longer flag would *clear*;
- a closed case (approved or rejected) the model would no longer flag would *not open*;
- a record without a case that the model would flag now would *open* a new case.

Nothing is written: the reads run in one transaction that is rolled back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.backoffice.settings import AppSettings, get_settings
from app.extensions import db
from app.fraud.linked_accounts import accounts_per_device
from app.fraud.rescoring import HISTORY_DAYS, assess_stored_record
from app.models.base import utcnow
from app.models.steps import OPEN_CASE_STATUSES, StepRecord, StepValidation
from app.models.users import User
from app.steps.credited import credited_by_member

USERS_PER_CHUNK = 500


@dataclass
class BacktestReport:
    days: int
    threshold: int
    current_threshold: int
    records: int = 0
    flagged_now: int = 0
    open_cases: int = 0
    open_would_clear: int = 0
    closed_cases: int = 0
    closed_would_not_open: Counter = field(default_factory=Counter)  # by closed status
    new_cases: int = 0
    reasons_now: Counter = field(default_factory=Counter)
    examples: list[tuple[int, date, str]] = field(default_factory=list)  # (user, day, change)

    @property
    def cases_changed(self) -> int:
        return self.open_would_clear + sum(self.closed_would_not_open.values()) + self.new_cases

    def lines(self) -> list[str]:
        closed = ", ".join(
            f"{n} {status}" for status, n in sorted(self.closed_would_not_open.items())
        )
        return [
            f"Back-test of the last {self.days} days at anomaly_threshold {self.threshold} "
            f"(the setting is {self.current_threshold}): {self.records:,} records re-scored, "
            f"{self.flagged_now:,} would be flagged.",
            f"Open cases: {self.open_cases:,}; {self.open_would_clear:,} would no longer be "
            "flagged.",
            f"Closed cases: {self.closed_cases:,}; {sum(self.closed_would_not_open.values()):,} "
            f"would not have been opened{f' ({closed})' if closed else ''}.",
            f"Records without a case that would be flagged now: {self.new_cases:,}.",
            f"Cases that would change: {self.cases_changed:,}.",
            "Reasons the model gives now: "
            + (", ".join(f"{code} {n}" for code, n in self.reasons_now.most_common()) or "none"),
        ]


def backtest(
    days: int,
    *,
    threshold: int | None = None,
    now: datetime | None = None,
    progress: Callable[[int], object] | None = None,
) -> BacktestReport:
    """Score the last `days` days again; nothing is changed."""
    when = now or utcnow()
    settings = get_settings()
    report = BacktestReport(
        days=days,
        threshold=settings.anomaly_threshold if threshold is None else threshold,
        current_threshold=settings.anomaly_threshold,
    )
    since = when.date() - timedelta(days=days)
    try:
        user_ids = list(
            db.session.execute(
                select(StepRecord.user_id)
                .where(StepRecord.recorded_date >= since)
                .distinct()
                .order_by(StepRecord.user_id)
            ).scalars()
        )
        for start in range(0, len(user_ids), USERS_PER_CHUNK):
            chunk = user_ids[start : start + USERS_PER_CHUNK]
            _backtest_chunk(chunk, since, when, settings, report)
            if progress is not None:
                progress(len(chunk))
    finally:
        db.session.rollback()  # read-only, whatever happened
    return report


def _backtest_chunk(
    user_ids: list[int],
    since: date,
    when: datetime,
    settings: AppSettings,
    report: BacktestReport,
) -> None:
    records = list(
        db.session.execute(
            select(StepRecord)
            .where(StepRecord.user_id.in_(user_ids), StepRecord.recorded_date >= since)
            .order_by(StepRecord.user_id, StepRecord.recorded_date, StepRecord.id)
        ).scalars()
    )
    cases = {
        v.step_record_id: v
        for v in db.session.execute(
            select(StepValidation).where(
                StepValidation.user_id.in_(user_ids), StepValidation.recorded_date >= since
            )
        ).scalars()
    }
    members = {
        u.id: u for u in db.session.execute(select(User).where(User.id.in_(user_ids))).scalars()
    }
    history = credited_by_member(user_ids, since - timedelta(days=HISTORY_DAYS))
    sharing = accounts_per_device({r.device_id for r in records if r.device_id}, when)
    for record in records:
        verdict = assess_stored_record(
            record,
            history.get(record.user_id, {}),
            members[record.user_id],
            settings,
            sharing,
            threshold=report.threshold,
        )
        report.records += 1
        report.flagged_now += verdict.needs_review
        for reason in verdict.reasons if verdict.needs_review else ():
            report.reasons_now[reason.code] += 1
        case = cases.get(record.id)
        change = None
        if case is None:
            if verdict.needs_review:
                report.new_cases += 1
                change = "would open"
        elif case.status in OPEN_CASE_STATUSES:
            report.open_cases += 1
            if not verdict.needs_review:
                report.open_would_clear += 1
                change = "would clear"
        else:
            report.closed_cases += 1
            if not verdict.needs_review:
                report.closed_would_not_open[case.status] += 1
                change = f"{case.status}, would not open"
        if change and len(report.examples) < 20:
            report.examples.append((record.user_id, record.recorded_date, change))
