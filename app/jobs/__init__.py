"""Nightly jobs: what /admin/jobs and the `flask jobs` commands use.

- `list_jobs(now)`: every job with its schedule, next run and last run;
- `run_job(name, ...)`: run one now, recorded (trigger "manual" unless told otherwise);
- `run_now(name, admin_id=...)` / `run_now_in_background(...)`: the admin's "run now",
  audited;
- run history: `app.backoffice.job_runs.recent_runs` / `last_runs`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app

from app.backoffice import job_runs
from app.backoffice.audit import record_admin_action
from app.core.db import transaction
from app.core.errors import NotFound
from app.extensions import db
from app.jobs.nightly import JOBS
from app.jobs.runner import JobRunResult, JobSpec, Progress, execute_job
from app.models.admin import JobRun
from app.models.base import utcnow

__all__ = [
    "JOBS",
    "JobRunResult",
    "JobSpec",
    "JobStatus",
    "UnknownJob",
    "get_job",
    "list_jobs",
    "run_job",
    "run_now",
    "run_now_in_background",
]


class UnknownJob(NotFound):
    code = "unknown_job"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"There is no job called {name!r}. Jobs: {', '.join(JOBS)}.",
            details=[{"field": "name", "choices": list(JOBS)}],
        )


@dataclass(frozen=True)
class JobStatus:
    name: str
    description: str
    schedule: str
    next_run_at: datetime
    last_run: JobRun | None

    @property
    def running(self) -> bool:
        return self.last_run is not None and self.last_run.outcome == "running"


def get_job(name: str) -> JobSpec:
    spec = JOBS.get(name)
    if spec is None:
        raise UnknownJob(name)
    return spec


def list_jobs(*, now: datetime | None = None) -> list[JobStatus]:
    """Every job in schedule order, with its next run and newest recorded run."""
    when = now or utcnow()
    last = job_runs.last_runs()
    return [
        JobStatus(
            name=spec.name,
            description=spec.description,
            schedule=spec.schedule,
            next_run_at=spec.next_run_after(when),
            last_run=last.get(spec.name),
        )
        for spec in sorted(JOBS.values(), key=lambda s: (s.hour, s.minute))
    ]


def run_job(
    name: str,
    *,
    trigger: str = "manual",
    now: datetime | None = None,
    progress: Progress | None = None,
    sleep: Callable[[float], object] = time.sleep,
    details: dict[str, Any] | None = None,
) -> JobRunResult:
    """Run a job now (UnknownJob for a name that is not one)."""
    return execute_job(
        get_job(name), trigger=trigger, now=now, progress=progress, sleep=sleep, details=details
    )


def _audit_run_request(name: str, admin_id: int) -> None:
    with transaction():
        record_admin_action(admin_id, "job.run", "job", name, note="Run now from /admin/jobs")


def run_now(name: str, *, admin_id: int, now: datetime | None = None) -> JobRunResult:
    """The admin's "run now", in this request: audited, then run and recorded as manual."""
    get_job(name)
    _audit_run_request(name, admin_id)
    return run_job(name, now=now, details={"requested_by": admin_id})


def run_now_in_background(name: str, *, admin_id: int) -> threading.Thread:
    """Like `run_now`, but the run happens in a thread so the page answers at once."""
    get_job(name)
    _audit_run_request(name, admin_id)
    # current_app is typed as the Flask app; the proxy's own unwrap method is not.
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def work() -> None:
        with app.app_context():
            try:
                run_job(name, details={"requested_by": admin_id})
            finally:
                db.session.remove()

    thread = threading.Thread(target=work, name=f"job-{name}", daemon=True)
    thread.start()
    return thread
