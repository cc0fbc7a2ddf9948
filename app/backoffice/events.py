"""Shop journey events into `analytics_events`, cheaply: buffered, written in batches.

`record()` never fails the request and never adds a write to it. An event recorded inside
a transaction waits for the commit (a rolled-back checkout placed no order); then it joins
the process's buffer. A full buffer (ANALYTICS_BATCH_SIZE events) or one older than
ANALYTICS_FLUSH_SECONDS is written by one INSERT on the background pool, in its own
session. A failed write is logged and its batch dropped: analytics may lose a few events
(also those still buffered when a process stops), the shop loses nothing.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import distinct, func, insert, select, text
from sqlalchemy import event as sa_event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.core import background
from app.core.db import TRANSACTION_DEPTH
from app.extensions import db
from app.models.admin import AnalyticsEvent
from app.models.base import utcnow

logger = logging.getLogger("app.analytics")

REWARD_VIEWED = "reward_viewed"
ADDED_TO_CART = "added_to_cart"
CHECKOUT_STARTED = "checkout_started"
ORDER_PLACED = "order_placed"
GOAL_SET = "goal_set"
SHOP_FUNNEL = (REWARD_VIEWED, ADDED_TO_CART, CHECKOUT_STARTED, ORDER_PLACED)

_EXTENSION = "fitkart.analytics_buffer"
_PENDING = "fitkart_analytics_pending"
# Beyond this many unwritten events (the database is down), new ones are dropped.
MAX_BUFFERED = 10_000


@dataclass
class EventBuffer:
    batch_size: int
    max_age: float
    clock: Callable[[], float] = time.monotonic
    rows: list[dict[str, Any]] = field(default_factory=list)
    oldest: float | None = None
    dropped: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Buffer `rows`; returns a batch to write now (empty: keep waiting)."""
        with self.lock:
            room = MAX_BUFFERED - len(self.rows)
            self.dropped += max(0, len(rows) - room)
            self.rows.extend(rows[: max(0, room)])
            now = self.clock()
            if self.oldest is None:
                self.oldest = now
            if len(self.rows) >= self.batch_size or now - self.oldest >= self.max_age:
                return self._take()
            return []

    def take_all(self) -> list[dict[str, Any]]:
        with self.lock:
            return self._take()

    def _take(self) -> list[dict[str, Any]]:
        batch, self.rows, self.oldest = self.rows, [], None
        return batch


def _buffer() -> EventBuffer:
    app = current_app
    buffer = app.extensions.get(_EXTENSION)
    if buffer is None:
        buffer = app.extensions.setdefault(
            _EXTENSION,
            EventBuffer(
                batch_size=int(app.config.get("ANALYTICS_BATCH_SIZE", 50)),
                max_age=float(app.config.get("ANALYTICS_FLUSH_SECONDS", 10)),
            ),
        )
    return buffer


def _platform() -> str:
    if not has_request_context():
        return "job"
    return "api" if request.path.startswith("/api/") else "web"


def record(
    event_type: str,
    user_id: int | None,
    properties: dict[str, Any] | None = None,
    *,
    now: datetime | None = None,
) -> None:
    """Note one event of the shop journey (after the commit, if inside a transaction)."""
    try:
        row = {
            "user_id": user_id,
            "event_type": event_type,
            "platform": _platform(),
            "properties": properties or None,
            "created_at": now or utcnow(),
        }
        session = db.session()
        if session.info.get(TRANSACTION_DEPTH, 0) > 0:
            session.info.setdefault(_PENDING, []).append(row)
            return
        _hand_over([row])
    except Exception:  # analytics must never break what it watches
        logger.exception("analytics event %s not recorded", event_type)


def _hand_over(rows: list[dict[str, Any]]) -> None:
    batch = _buffer().add(rows)
    if batch:
        background.submit(write_batch, batch)


def flush() -> None:
    """Write whatever is buffered now, on the background pool (jobs, tests)."""
    batch = _buffer().take_all()
    if batch:
        background.submit(write_batch, batch)


def write_batch(rows: list[dict[str, Any]]) -> int:
    """One INSERT of a batch, in the background task's own session. Returns rows written."""
    session = db.session
    try:
        session.execute(insert(AnalyticsEvent), rows)
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        logger.exception("%d analytics events lost", len(rows))
        return 0
    return len(rows)


@sa_event.listens_for(Session, "after_commit")
def _buffer_after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint released: the outer transaction can still roll back
    pending = session.info.pop(_PENDING, None)
    if pending:
        try:
            _hand_over(pending)
        except Exception:
            logger.exception("%d analytics events not recorded", len(pending))


@sa_event.listens_for(Session, "after_soft_rollback")
def _drop_after_rollback(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


# --- monthly partitions (PostgreSQL) ---------------------------------------------------------

PARTITION_MONTHS_AHEAD = 3
_PARTITION_NAME = re.compile(r"analytics_events_(\d{4}_\d{2}|default)")


def not_an_event_partition(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic `include_name`: partitions are made by SQL, not models; leave them out."""
    return not (type_ == "table" and name is not None and _PARTITION_NAME.fullmatch(name))


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def ensure_partitions(now: datetime) -> list[str]:
    """Create the monthly partitions of this month and the next 3 that are missing.

    Idempotent; returns the partitions created. A month whose rows already sit in the
    DEFAULT partition is skipped with a warning: creating it would fail (PostgreSQL
    refuses a partition that the default's rows fall into), and moving rows on a live
    table takes a lock the nightly job should not take; those rows stay readable there.
    SQLite has no partitions: nothing to do.
    """
    session = db.session
    if session.get_bind().dialect.name != "postgresql":
        return []
    created: list[str] = []
    month = _month_start(now.astimezone(UTC).date())
    for _ in range(PARTITION_MONTHS_AHEAD + 1):
        following = _next_month(month)
        name = f"analytics_events_{month:%Y_%m}"
        since = datetime.combine(month, dt_time.min, tzinfo=UTC)
        until = datetime.combine(following, dt_time.min, tzinfo=UTC)
        exists = session.execute(text("SELECT to_regclass(:name)"), {"name": name}).scalar()
        if exists is None:
            stranded = session.execute(
                text(
                    "SELECT count(*) FROM analytics_events_default"
                    " WHERE created_at >= :since AND created_at < :until"
                ),
                {"since": since, "until": until},
            ).scalar_one()
            if stranded:
                logger.warning(
                    "partition %s not created: %d of its rows are in the default partition",
                    name,
                    stranded,
                )
            else:
                # Names and bounds come from dates, never from input.
                session.execute(
                    text(
                        f"CREATE TABLE {name} PARTITION OF analytics_events"
                        f" FOR VALUES FROM ('{since.isoformat()}') TO ('{until.isoformat()}')"
                    )
                )
                created.append(name)
        month = following
    return created


# --- reading: the shop funnel ----------------------------------------------------------------


@dataclass(frozen=True)
class FunnelStep:
    event_type: str
    label: str
    members: int


@dataclass(frozen=True)
class ShopFunnel:
    steps: list[FunnelStep]
    goals_set: int

    def rate(self, index: int) -> float | None:
        """Share of the first step's members who got this far."""
        first = self.steps[0].members
        return self.steps[index].members / first if first else None


FUNNEL_LABELS = {
    REWARD_VIEWED: "Viewed a reward",
    ADDED_TO_CART: "Added to cart",
    CHECKOUT_STARTED: "Started checkout",
    ORDER_PLACED: "Placed an order",
}


def shop_funnel(start: date, end: date) -> ShopFunnel:
    """Distinct members at each step of the shop journey, between two UTC dates (inclusive)."""
    since = datetime.combine(start, dt_time.min, tzinfo=UTC)
    until = datetime.combine(end + timedelta(days=1), dt_time.min, tzinfo=UTC)
    counts = dict(
        db.session.execute(
            select(AnalyticsEvent.event_type, func.count(distinct(AnalyticsEvent.user_id)))
            .where(
                AnalyticsEvent.event_type.in_((*SHOP_FUNNEL, GOAL_SET)),
                AnalyticsEvent.created_at >= since,
                AnalyticsEvent.created_at < until,
            )
            .group_by(AnalyticsEvent.event_type)
        ).all()
    )
    return ShopFunnel(
        steps=[FunnelStep(t, FUNNEL_LABELS[t], int(counts.get(t, 0))) for t in SHOP_FUNNEL],
        goals_set=int(counts.get(GOAL_SET, 0)),
    )
