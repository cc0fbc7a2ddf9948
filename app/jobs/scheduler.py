"""APScheduler wiring: the nightly jobs on cron triggers in UTC.

Two ways to run it:
- as its own process, production's way: `flask scheduler run` (blocking), one per
  deployment; the web processes leave SCHEDULER_ENABLED at its default, off;
- in the web process, only with SCHEDULER_ENABLED=true (`make run` sets it for its single
  development server): `create_app` calls `start_scheduler_if_allowed`, which starts a
  background scheduler only when serving (a WSGI server such as gunicorn, or `flask run`),
  never under pytest or TESTING, never in the reloader's watcher process (with the
  reloader only the serving child, WERKZEUG_RUN_MAIN=true, runs it), never for other
  `flask` commands, and at most once per process.
Even with several schedulers (SCHEDULER_ENABLED=true on every gunicorn worker, say) each
job still runs once a night: see the lock and slot check in app/jobs/runner.py.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from datetime import UTC

import click
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask
from flask.helpers import get_debug_flag

from app.extensions import db
from app.jobs.nightly import JOBS
from app.jobs.runner import JobSpec, execute_job

logger = logging.getLogger("app.jobs")

# A run that starts up to an hour late (process was busy or restarting) still runs.
MISFIRE_GRACE_SECONDS = 3600

_started: BackgroundScheduler | None = None
_start_lock = threading.Lock()


def build_scheduler(
    app: Flask, *, blocking: bool = False, jobs: dict[str, JobSpec] | None = None
) -> BaseScheduler:
    scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = scheduler_class(
        timezone=UTC,
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
        },
    )
    for spec in (jobs or JOBS).values():
        scheduler.add_job(
            run_scheduled_job,
            CronTrigger(hour=spec.hour, minute=spec.minute, timezone=UTC),
            args=(app, spec),
            id=spec.name,
            name=spec.name,
            replace_existing=True,
        )
    return scheduler


def run_scheduled_job(app: Flask, spec: JobSpec) -> None:
    with app.app_context():
        try:
            execute_job(spec, trigger="schedule")
        finally:
            db.session.remove()


def scheduler_blocked_by(app: Flask) -> str | None:
    """Why this process must not run the in-process scheduler, or None if it may."""
    if not app.config.get("SCHEDULER_ENABLED", False):
        return "SCHEDULER_ENABLED is off (production runs `flask scheduler run` instead)"
    if app.config.get("TESTING") or "PYTEST_CURRENT_TEST" in os.environ:
        return "tests never run the scheduler"
    command = click.get_current_context(silent=True)
    if command is None:
        return None  # a WSGI server (gunicorn) imported the app to serve it
    if command.command.name != "run":
        return "a flask command other than `flask run`"
    reload = command.params.get("reload")
    if reload is None:  # flask run's own default: reload when debugging
        reload = get_debug_flag()
    if reload and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        return "the reloader's watcher process; the serving child it starts runs it"
    return None


def start_scheduler_if_allowed(app: Flask) -> BackgroundScheduler | None:
    global _started
    reason = scheduler_blocked_by(app)
    if reason is not None:
        logger.debug("scheduler not started: %s", reason)
        return None
    with _start_lock:
        if _started is None:
            scheduler = build_scheduler(app)
            assert isinstance(scheduler, BackgroundScheduler)
            scheduler.start()
            atexit.register(scheduler.shutdown, wait=False)
            _started = scheduler
            logger.info("scheduler started with jobs %s", ", ".join(JOBS))
        app.extensions["fitkart_scheduler"] = _started
        return _started
