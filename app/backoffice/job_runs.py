"""The record of every nightly-job run (`job_runs`): written by the runner, read by /admin/jobs.

A run row is committed as `running` before the job starts (so a long run shows up while
it works) and finished as `success`, `failed` or `skipped`. Each write commits on its own:
a failing job's rollback never takes its own run record with it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from app.core.db import rows_affected, transaction
from app.extensions import db
from app.models.admin import JobRun

ERROR_TEXT_LIMIT = 20_000


def start_run(
    job_name: str, *, trigger: str, started_at: datetime, details: dict[str, Any] | None = None
) -> int:
    """Commit a `running` row and return its id."""
    with transaction():
        run = JobRun(
            job_name=job_name,
            trigger=trigger,
            started_at=started_at,
            outcome="running",
            details=details,
        )
        db.session.add(run)
        db.session.flush()
        return run.id


def finish_run(
    run_id: int,
    *,
    outcome: str,
    finished_at: datetime,
    rows_touched: int | None = None,
    details: dict[str, Any] | None = None,
    error_text: str | None = None,
) -> None:
    """Commit the run's outcome; `details` are merged over what `start_run` stored."""
    with transaction():
        run = db.session.get(JobRun, run_id, populate_existing=True)
        if run is None:
            raise LookupError(f"job run {run_id} does not exist")
        run.outcome = outcome
        run.finished_at = finished_at
        run.rows_touched = rows_touched
        run.details = {**(run.details or {}), **(details or {})} or None
        run.error_text = error_text[-ERROR_TEXT_LIMIT:] if error_text else None


def record_skipped_run(
    job_name: str, *, trigger: str, at: datetime, reason: str, details: dict[str, Any] | None = None
) -> int:
    """A run that did not happen (lock held elsewhere), recorded in one row."""
    with transaction():
        run = JobRun(
            job_name=job_name,
            trigger=trigger,
            started_at=at,
            finished_at=at,
            outcome="skipped",
            rows_touched=0,
            details={"reason": reason, **(details or {})},
        )
        db.session.add(run)
        db.session.flush()
        return run.id


def fail_abandoned_runs(job_name: str, *, at: datetime) -> int:
    """Mark `running` rows of a job as failed. Call only while holding the job's lock:

    then no live process is running it, so such rows are runs whose process died.
    """
    with transaction():
        marked = rows_affected(
            update(JobRun)
            .where(JobRun.job_name == job_name, JobRun.outcome == "running")
            .values(
                outcome="failed",
                finished_at=at,
                error_text="The process running this job ended before the run finished.",
            )
        )
    return marked


def scheduled_run_since(job_name: str, since: datetime) -> bool:
    """Whether a scheduled run of the job has already started at or after `since`."""
    found = db.session.execute(
        select(JobRun.id)
        .where(
            JobRun.job_name == job_name,
            JobRun.trigger == "schedule",
            JobRun.outcome != "skipped",
            JobRun.started_at >= since,
        )
        .limit(1)
    ).first()
    return found is not None


def recent_runs(
    job_name: str | None = None, *, limit: int = 50, before_id: int | None = None
) -> list[JobRun]:
    """Run history, newest first; `before_id` pages further back."""
    query = select(JobRun).order_by(JobRun.id.desc()).limit(max(1, min(limit, 500)))
    if job_name is not None:
        query = query.where(JobRun.job_name == job_name)
    if before_id is not None:
        query = query.where(JobRun.id < before_id)
    return list(db.session.execute(query).scalars())


def last_runs() -> dict[str, JobRun]:
    """The newest recorded run of every job that has one, whatever its outcome."""
    newest = select(func.max(JobRun.id).label("id")).group_by(JobRun.job_name)
    rows = db.session.execute(select(JobRun).where(JobRun.id.in_(newest.scalar_subquery())))
    return {run.job_name: run for run in rows.scalars()}


def latest_successful_run(job_name: str) -> JobRun | None:
    return db.session.execute(
        select(JobRun)
        .where(JobRun.job_name == job_name, JobRun.outcome == "success")
        .order_by(JobRun.id.desc())
        .limit(1)
    ).scalar_one_or_none()
