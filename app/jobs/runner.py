"""Running one job: the lock, the `job_runs` record, the outcome. No job rule lives here.

`execute_job` is the only way a job runs (scheduler, `flask jobs run`, /admin "run now"):

1. It tries the job's database lock (app/jobs/locks.py) and never waits for it.
   - Lock held elsewhere, manual run: recorded as a `skipped` run ("already running").
   - Lock held elsewhere, scheduled run: not run and not recorded — with one scheduler
     per app process that is the expected outcome for all processes but one, and the
     winner's row is the record of that night's run.
2. A scheduled run also stands down (unrecorded) when a scheduled run of the same job has
   already started since this slot's time: the lock keeps runs apart, this keeps a slot
   to one run when another process finished before this one woke up.
3. With the lock held, `running` rows left by a process that died are marked failed, a
   `running` row is committed, the job runs, and the row is finished as `success`,
   `skipped` (the job said why, e.g. Shopify not configured) or `failed` (with the
   traceback). An exception never escapes: the scheduler keeps its next runs.

`now` is the run's logical time (tests inject it); `finished_at` is `now` plus the real
time the run took.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from flask import current_app

from app.backoffice import job_runs
from app.core.db import transaction
from app.extensions import db
from app.jobs.locks import job_lock
from app.models.base import utcnow

logger = logging.getLogger("app.jobs")

TRIGGERS = ("schedule", "manual")
DEFAULT_LOCK_TTL = timedelta(hours=6)


class Progress(Protocol):
    def total(self, count: int) -> None: ...

    def advance(self, count: int = 1) -> None: ...


class SilentProgress:
    def total(self, count: int) -> None:
        pass

    def advance(self, count: int = 1) -> None:
        pass


@dataclass(frozen=True)
class JobContext:
    now: datetime
    trigger: str
    config: Mapping[str, Any]
    progress: Progress = field(default_factory=SilentProgress)
    # Injected so tests of retrying clients never really sleep.
    sleep: Callable[[float], object] = time.sleep


@dataclass(frozen=True)
class JobOutcome:
    rows_touched: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    skipped_reason: str | None = None

    @classmethod
    def skipped(cls, reason: str) -> JobOutcome:
        return cls(skipped_reason=reason)


@dataclass(frozen=True)
class JobSpec:
    name: str
    description: str
    hour: int
    minute: int
    run: Callable[[JobContext], JobOutcome]
    lock_ttl: timedelta = DEFAULT_LOCK_TTL

    @property
    def schedule(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d} UTC"

    def slot_at_or_before(self, moment: datetime) -> datetime:
        """The newest scheduled time not after `moment`."""
        moment = moment.astimezone(UTC)
        slot = moment.replace(hour=self.hour, minute=self.minute, second=0, microsecond=0)
        return slot if slot <= moment else slot - timedelta(days=1)

    def next_run_after(self, moment: datetime) -> datetime:
        return self.slot_at_or_before(moment) + timedelta(days=1)


@dataclass(frozen=True)
class JobRunResult:
    job_name: str
    trigger: str
    # success, failed, skipped (all recorded), or not_run (a scheduled duplicate: unrecorded)
    outcome: str
    run_id: int | None
    started_at: datetime
    finished_at: datetime
    rows_touched: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    error_text: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome != "failed"


def execute_job(
    spec: JobSpec,
    *,
    trigger: str = "manual",
    now: datetime | None = None,
    progress: Progress | None = None,
    sleep: Callable[[float], object] = time.sleep,
    details: dict[str, Any] | None = None,
) -> JobRunResult:
    """Run one job under its lock and record the run. Never raises for a failing job."""
    if trigger not in TRIGGERS:
        raise ValueError(f"trigger must be one of {TRIGGERS}, not {trigger!r}")
    started = now or utcnow()
    clock = time.monotonic()

    def elapsed() -> datetime:
        return started + timedelta(seconds=time.monotonic() - clock)

    def not_run(reason: str) -> JobRunResult:
        logger.info("job %s (%s) not run: %s", spec.name, trigger, reason)
        return JobRunResult(
            spec.name, trigger, "not_run", None, started, started, 0, {"reason": reason}
        )

    db.session.rollback()  # no read transaction of the caller may hold SQLite's write lock
    with job_lock(spec.name, ttl=spec.lock_ttl) as held:
        if not held:
            reason = "already running in another process"
            if trigger == "schedule":
                return not_run(reason)
            run_id = job_runs.record_skipped_run(
                spec.name, trigger=trigger, at=started, reason=reason, details=details
            )
            logger.info("job %s skipped: %s", spec.name, reason)
            return JobRunResult(
                spec.name, trigger, "skipped", run_id, started, started, 0, {"reason": reason}
            )
        if trigger == "schedule":
            slot = spec.slot_at_or_before(started)
            with transaction():
                done = job_runs.scheduled_run_since(spec.name, slot)
            if done:
                return not_run(f"the {slot.isoformat()} run already happened")
        job_runs.fail_abandoned_runs(spec.name, at=started)
        run_id = job_runs.start_run(spec.name, trigger=trigger, started_at=started, details=details)
        context = JobContext(
            now=started,
            trigger=trigger,
            config=current_app.config,
            progress=progress or SilentProgress(),
            sleep=sleep,
        )
        try:
            outcome = spec.run(context)
            db.session.commit()
        except Exception:
            db.session.rollback()
            error_text = traceback.format_exc()
            logger.exception("job %s failed", spec.name)
            finished = elapsed()
            job_runs.finish_run(
                run_id, outcome="failed", finished_at=finished, error_text=error_text
            )
            return JobRunResult(
                spec.name, trigger, "failed", run_id, started, finished, None, {}, error_text
            )
        finished = elapsed()
        result_details = dict(outcome.details)
        if outcome.skipped_reason is not None:
            result_details["reason"] = outcome.skipped_reason
        state = "skipped" if outcome.skipped_reason is not None else "success"
        job_runs.finish_run(
            run_id,
            outcome=state,
            finished_at=finished,
            rows_touched=outcome.rows_touched,
            details=result_details,
        )
        logger.info("job %s %s: %s rows", spec.name, state, outcome.rows_touched)
        return JobRunResult(
            spec.name,
            trigger,
            state,
            run_id,
            started,
            finished,
            outcome.rows_touched,
            result_details,
        )
