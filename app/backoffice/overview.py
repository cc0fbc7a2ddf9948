"""What /admin shows at the start of a shift: the queue and its ages, cases opened vs decided,
who decided what today, orders to ship, and the alerts that need a person.

Every number is one aggregate query over an indexed column (migration 0007 adds the
indexes), so the cost follows the day's volume, not the history's; bench/admin_overview.py
measures it on generated volume. Those queries still take 150-180 ms together at 100K
members (100K syncs a day, thousands of cases), so the page reads a snapshot of them kept
in Redis for SNAPSHOT_SECONDS and taken again at once when a case is decided or an order
moves (the admin sees their own work); without Redis it computes them on every request.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import and_, case, func, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from app.backoffice.settings import get_settings
from app.coins import reconciliation
from app.core import cache
from app.extensions import db
from app.fraud.review import OPEN
from app.jobs.nightly import JOBS
from app.models.admin import JobRun
from app.models.base import utcnow
from app.models.orders import Order, OrderStatus
from app.models.steps import CaseStatus, RecordStatus, StepRecord, StepValidation
from app.models.users import User

FLOW_DAYS = 14
CACHE = "admin_overview"
ACTIVITY_CACHE = "admin_activity"
SNAPSHOT_SECONDS = 60
SHOPIFY_JOB = "shopify_sync"
# A device with this many refused or rejected days in the last DEVICE_WINDOW_DAYS is a lead.
DEVICE_REJECTED_DAYS = 3
DEVICE_WINDOW_DAYS = 14
DEVICE_ALERTS = 5
# Age buckets of the open queue, in hours: (label, lower bound inclusive).
AGE_BUCKETS: tuple[tuple[str, int], ...] = (
    ("under 1 day", 0),
    ("1 to 2 days", 24),
    ("2 to 7 days", 48),
    ("over 7 days", 168),
)


@dataclass(frozen=True)
class AgeBucket:
    label: str
    from_hours: int
    cases: int


@dataclass(frozen=True)
class QueueAges:
    open_cases: int
    appeals: int
    oldest_waiting_since: datetime | None
    over_limit: int
    buckets: list[AgeBucket]

    def oldest_age(self, now: datetime) -> timedelta | None:
        return now - self.oldest_waiting_since if self.oldest_waiting_since else None


@dataclass(frozen=True)
class FlowDay:
    day: date
    opened: int
    decided: int


@dataclass(frozen=True)
class AdminDecisions:
    admin_id: int
    name: str
    approved: int
    rejected: int

    @property
    def total(self) -> int:
        return self.approved + self.rejected


@dataclass(frozen=True)
class Shipping:
    processing: int
    pending: int
    oldest_processing_since: datetime | None
    oldest_pending_since: datetime | None


@dataclass(frozen=True)
class Alert:
    """Something a person must do. `fix` is (endpoint, url arguments) of where it is fixed."""

    kind: str
    title: str
    why: str
    fix_label: str
    fix: tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Overview:
    now: datetime
    queue: QueueAges
    queue_limit_hours: int
    flow: list[FlowDay]
    decisions_today: list[AdminDecisions]
    shipping: Shipping
    syncs_24h: int
    members_synced_24h: int
    drift: reconciliation.DriftReport | None
    alerts: list[Alert] = field(default_factory=list)

    def flow_chart(self) -> dict[str, Any]:
        """The opened-vs-decided chart in the shape static/js/admin-charts.js draws."""
        return {
            "type": "bar",
            "labels": [d.day.isoformat() for d in self.flow],
            "series": [
                {"label": "Opened", "data": [d.opened for d in self.flow]},
                {"label": "Decided", "data": [d.decided for d in self.flow]},
            ],
        }


def _aware(value: Any) -> datetime | None:
    """An aggregate's datetime as aware UTC (SQLite returns MIN() of a CASE as naive text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _waiting_since() -> ColumnElement[Any]:
    """An appeal waits from when it was sent; a first review from when the day was flagged."""
    v = StepValidation
    return case(
        (and_(v.status == CaseStatus.APPEALED, v.appealed_at.is_not(None)), v.appealed_at),
        else_=v.created_at,
    )


def queue_ages(now: datetime, limit_hours: int) -> QueueAges:
    waiting = _waiting_since()
    bucket_columns = []
    for index, (_, lower_hours) in enumerate(AGE_BUCKETS):
        condition = waiting <= now - timedelta(hours=lower_hours)
        if index + 1 < len(AGE_BUCKETS):
            upper_hours = AGE_BUCKETS[index + 1][1]
            condition = and_(condition, waiting > now - timedelta(hours=upper_hours))
        bucket_columns.append(func.coalesce(func.sum(case((condition, 1), else_=0)), 0))
    row = db.session.execute(
        select(
            func.count(),
            func.coalesce(
                func.sum(case((StepValidation.status == CaseStatus.APPEALED, 1), else_=0)), 0
            ),
            func.min(waiting),
            func.coalesce(
                func.sum(case((waiting < now - timedelta(hours=limit_hours), 1), else_=0)), 0
            ),
            *bucket_columns,
        ).where(StepValidation.status.in_(OPEN))
    ).one()
    return QueueAges(
        open_cases=int(row[0]),
        appeals=int(row[1]),
        oldest_waiting_since=_aware(row[2]),
        over_limit=int(row[3]),
        buckets=[
            AgeBucket(label, hours, int(count))
            for (label, hours), count in zip(AGE_BUCKETS, row[4:], strict=True)
        ],
    )


def case_flow(today: date, days: int = FLOW_DAYS, *, start: date | None = None) -> list[FlowDay]:
    """Cases opened and decided per UTC day, the last `days` days up to today (from `start`
    on, when given: the days before it are known)."""
    first = today - timedelta(days=days - 1)
    day_list = [
        d for d in (first + timedelta(days=n) for n in range(days)) if d >= (start or first)
    ]
    if not day_list:
        return []

    def per_day(column: Any) -> list[ColumnElement[Any]]:
        # One index range count per day: grouping by the UTC date of each row evaluated
        # timezone() 26K times (51 ms of 66 at 100K members); a range reads only the index.
        bounds = [datetime.combine(day, time.min, tzinfo=UTC) for day in day_list]
        bounds.append(bounds[-1] + timedelta(days=1))
        return [
            select(func.count())
            .select_from(StepValidation)
            .where(column >= low, column < high)
            .scalar_subquery()
            for low, high in pairwise(bounds)
        ]

    row = db.session.execute(
        select(*per_day(StepValidation.created_at), *per_day(StepValidation.reviewed_at))
    ).one()
    count = len(day_list)
    return [
        FlowDay(day=day, opened=int(row[n]), decided=int(row[count + n]))
        for n, day in enumerate(day_list)
    ]


def decisions_since(since: datetime) -> list[AdminDecisions]:
    """Approvals and rejections per admin since `since`, busiest first."""
    v = StepValidation
    rows = db.session.execute(
        select(
            v.reviewed_by_id,
            User.full_name,
            func.sum(case((v.status == CaseStatus.APPROVED, 1), else_=0)),
            func.sum(case((v.status.in_((CaseStatus.REJECTED, CaseStatus.APPEALED)), 1), else_=0)),
        )
        .join(User, User.id == v.reviewed_by_id)
        .where(v.reviewed_at >= since)
        .group_by(v.reviewed_by_id, User.full_name)
    ).all()
    decisions = [
        AdminDecisions(admin_id=a, name=name, approved=int(ok), rejected=int(no))
        for a, name, ok, no in rows
    ]
    return sorted(decisions, key=lambda d: (-d.total, d.name))


def shipping() -> Shipping:
    rows = {
        status: (int(n), oldest)
        for status, n, oldest in db.session.execute(
            select(Order.status, func.count(), func.min(Order.created_at))
            .where(Order.status.in_((OrderStatus.PENDING, OrderStatus.PROCESSING)))
            .group_by(Order.status)
        ).all()
    }

    return Shipping(
        processing=rows.get("processing", (0, None))[0],
        pending=rows.get("pending", (0, None))[0],
        oldest_processing_since=_aware(rows.get("processing", (0, None))[1]),
        oldest_pending_since=_aware(rows.get("pending", (0, None))[1]),
    )


def syncs_since(since: datetime) -> tuple[int, int]:
    """(step records written, distinct members who wrote them) since `since`."""
    row = db.session.execute(
        select(func.count(), func.count(func.distinct(StepRecord.user_id))).where(
            StepRecord.updated_at >= since
        )
    ).one()
    return int(row[0]), int(row[1])


@dataclass(frozen=True)
class DayFigures:
    """What no decision or order of today changes: the last 24 h's syncs and members (a
    day of step records, 100K rows at 100K members) and the flow chart's earlier days."""

    syncs_24h: int
    members_synced_24h: int
    earlier_flow: list[FlowDay]


def day_figures(when: datetime) -> DayFigures:
    syncs, members = syncs_since(when - timedelta(hours=24))
    earlier = [day for day in case_flow(when.date()) if day.day < when.date()]
    return DayFigures(syncs, members, earlier)


def cached_day_figures(when: datetime) -> DayFigures:
    """`day_figures`, kept apart from the snapshot for up to SNAPSHOT_SECONDS, so that a
    decided case re-takes the snapshot without them (a decision on an appeal can move a
    case off an earlier day: that shows within SNAPSHOT_SECONDS, as before)."""
    return cache.cached(
        ACTIVITY_CACHE,
        f"day:{when.date().isoformat()}",
        lambda: day_figures(when),
        dump=lambda figures: _plain(asdict(figures)),
        restore=lambda data: DayFigures(
            data["syncs_24h"],
            data["members_synced_24h"],
            [
                FlowDay(date.fromisoformat(d["day"]), d["opened"], d["decided"])
                for d in data["earlier_flow"]
            ],
        ),
        ttl=SNAPSHOT_SECONDS,
    )


def last_two_runs() -> dict[str, list[JobRun]]:
    """Each job's two newest runs, in one statement of small per-job index reads."""
    newest = [
        select(JobRun.id)
        .where(JobRun.job_name == name)
        .order_by(JobRun.started_at.desc(), JobRun.id.desc())
        .limit(2)
        .subquery()
        for name in JOBS
    ]
    ids = union_all(*(select(sub.c.id) for sub in newest))
    runs: dict[str, list[JobRun]] = {name: [] for name in JOBS}
    for run in db.session.execute(
        select(JobRun)
        .where(JobRun.id.in_(ids))
        .order_by(JobRun.started_at.desc(), JobRun.id.desc())
    ).scalars():
        runs[run.job_name].append(run)
    return runs


@dataclass(frozen=True)
class SuspectDevice:
    device_id: str
    rejected_days: int
    members: int
    first_member_id: int


def suspect_devices(today: date) -> list[SuspectDevice]:
    since = today - timedelta(days=DEVICE_WINDOW_DAYS - 1)
    r = StepRecord
    # A record is one (member, day, source), so rows count refused or rejected days.
    days = func.count()
    rows = db.session.execute(
        select(r.device_id, days, func.count(func.distinct(r.user_id)), func.min(r.user_id))
        .where(
            r.status == RecordStatus.REJECTED, r.recorded_date >= since, r.device_id.is_not(None)
        )
        .group_by(r.device_id)
        .having(days >= DEVICE_REJECTED_DAYS)
        .order_by(days.desc(), r.device_id)
        .limit(DEVICE_ALERTS)
    ).all()
    return [SuspectDevice(str(d), int(n), int(m), int(first)) for d, n, m, first in rows]


def _last_line(text: str | None) -> str:
    lines = (text or "").strip().splitlines()
    return lines[-1][:200] if lines else "no error text"


def waiting_time(delta: timedelta) -> str:
    """A waiting time as people say it: 40 min, 5 h, 3 d 2 h."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 else f"{hours // 24} d {hours % 24} h"


def alerts_for(
    *,
    now: datetime,
    queue: QueueAges,
    limit_hours: int,
    drift: reconciliation.DriftReport | None,
    runs: dict[str, list[JobRun]],
    devices: list[SuspectDevice],
) -> list[Alert]:
    """What needs a person, most urgent first: money, broken jobs, the queue, fraud leads."""
    alerts: list[Alert] = []
    if drift is not None and drift.drift_count:
        alerts.append(
            Alert(
                "wallet_drift",
                f"{drift.drift_count} wallet(s) disagree with the ledger",
                "Balances members see differ from the coin ledger: a bug or tampering.",
                "See the wallets below",
                ("admin.overview", {"_anchor": "wallets"}),
            )
        )
    shopify = runs.get(SHOPIFY_JOB, [])
    if shopify and shopify[0].outcome == "failed":
        alerts.append(
            Alert(
                "shopify_failing",
                "The Shopify catalogue sync is failing",
                f"Last run {shopify[0].started_at:%Y-%m-%d %H:%M} UTC: "
                f"{_last_line(shopify[0].error_text)}",
                "Open its runs",
                ("admin.jobs", {"job": SHOPIFY_JOB}),
            )
        )
    for name, last in runs.items():
        if name == SHOPIFY_JOB and shopify and shopify[0].outcome == "failed":
            continue
        if len(last) == 2 and all(run.outcome in ("failed", "skipped") for run in last):
            outcomes = " and ".join(dict.fromkeys(run.outcome for run in last))
            reason = (last[0].details or {}).get("reason") or _last_line(last[0].error_text)
            alerts.append(
                Alert(
                    "job_not_running",
                    f"Job {name} {outcomes} twice in a row",
                    f"Its last two runs did not succeed: {reason}",
                    "Open its runs",
                    ("admin.jobs", {"job": name}),
                )
            )
    if queue.over_limit and queue.oldest_waiting_since is not None:
        alerts.append(
            Alert(
                "queue_too_old",
                f"{queue.over_limit} case(s) waited more than {limit_hours} h",
                f"The oldest has waited {waiting_time(now - queue.oldest_waiting_since)}; members "
                "get no coins for those days until someone decides.",
                "Open the queue",
                ("admin.fraud_queue", {}),
            )
        )
    for device in devices:
        alerts.append(
            Alert(
                "device_rejected_days",
                f"Device {device.device_id[:40]}: {device.rejected_days} refused or rejected "
                f"days in {DEVICE_WINDOW_DAYS} days",
                f"Synced by {device.members} member(s); one device cheating often means a "
                "step machine or shared credentials.",
                "Open the member" if device.members == 1 else "Open rejected days",
                ("admin.user_detail", {"user_id": device.first_member_id})
                if device.members == 1
                else ("admin.fraud_queue", {"status": "rejected"}),
            )
        )
    return alerts


def overview(now: datetime | None = None) -> Overview:
    """Everything /admin shows: the snapshot (at most SNAPSHOT_SECONDS old) for the live
    page, computed afresh for an explicit `now`."""
    if now is not None:
        return compute_overview(now)

    def take() -> Overview:
        when = utcnow()
        return compute_overview(when, known=cached_day_figures(when))

    return cache.cached(
        CACHE,
        "snapshot",
        take,
        dump=_snapshot_json,
        restore=_snapshot_from_json,
        ttl=SNAPSHOT_SECONDS,
    )


# A decided case or a moved order shows on the next request.
cache.invalidate_on_write(CACHE, StepValidation.__tablename__, Order.__tablename__)


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _plain(value: Any) -> Any:
    """Dataclass fields as JSON-able data (dates as ISO text)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _snapshot_json(view: Overview) -> dict[str, Any]:
    return _plain(asdict(view))


def _snapshot_from_json(data: dict[str, Any]) -> Overview:
    queue = data["queue"]
    ship = data["shipping"]
    drift = data["drift"]
    return Overview(
        now=datetime.fromisoformat(data["now"]),
        queue=QueueAges(
            open_cases=queue["open_cases"],
            appeals=queue["appeals"],
            oldest_waiting_since=_when(queue["oldest_waiting_since"]),
            over_limit=queue["over_limit"],
            buckets=[AgeBucket(**bucket) for bucket in queue["buckets"]],
        ),
        queue_limit_hours=data["queue_limit_hours"],
        flow=[
            FlowDay(date.fromisoformat(d["day"]), d["opened"], d["decided"]) for d in data["flow"]
        ],
        decisions_today=[AdminDecisions(**d) for d in data["decisions_today"]],
        shipping=Shipping(
            processing=ship["processing"],
            pending=ship["pending"],
            oldest_processing_since=_when(ship["oldest_processing_since"]),
            oldest_pending_since=_when(ship["oldest_pending_since"]),
        ),
        syncs_24h=data["syncs_24h"],
        members_synced_24h=data["members_synced_24h"],
        drift=None
        if drift is None
        else reconciliation.DriftReport(**{**drift, "checked_at": _when(drift["checked_at"])}),
        alerts=[Alert(**{**a, "fix": (a["fix"][0], a["fix"][1])}) for a in data["alerts"]],
    )


def compute_overview(when: datetime, *, known: DayFigures | None = None) -> Overview:
    """Everything /admin shows, read in a handful of aggregate queries (`known`: the day's
    slow figures, when already at hand)."""
    today = when.date()
    limit_hours = get_settings().review_queue_max_age_hours
    queue = queue_ages(when, limit_hours)
    drift = reconciliation.latest_drift()
    figures = known or day_figures(when)
    return Overview(
        now=when,
        queue=queue,
        queue_limit_hours=limit_hours,
        flow=figures.earlier_flow + case_flow(today, start=today),
        decisions_today=decisions_since(datetime.combine(today, time.min, tzinfo=UTC)),
        shipping=shipping(),
        syncs_24h=figures.syncs_24h,
        members_synced_24h=figures.members_synced_24h,
        drift=drift,
        alerts=alerts_for(
            now=when,
            queue=queue,
            limit_hours=limit_hours,
            drift=drift,
            runs=last_two_runs(),
            devices=suspect_devices(today),
        ),
    )
