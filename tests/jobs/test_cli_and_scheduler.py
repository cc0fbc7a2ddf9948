"""`flask jobs …`, `flask products sync` and the scheduler's wiring (never started here)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import click
from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.jobs import JOBS, scheduler
from app.jobs.runner import JobContext, JobOutcome, JobSpec
from app.models.admin import JobRun
from tests.jobs.conftest import NOW


def test_jobs_list_prints_every_job_with_next_and_last_run(runner):
    runner.invoke(args=["jobs", "run", "cleanup_tokens"])

    result = runner.invoke(args=["jobs", "list"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["job", "schedule", "next", "run", "last", "run"]
    by_name = {line.split()[0]: line for line in lines[1:]}
    assert set(by_name) == set(JOBS)
    assert "02:00 UTC" in by_name["leaderboards"]
    assert by_name["leaderboards"].rstrip().endswith("never")
    assert "success (manual)" in by_name["cleanup_tokens"]


def test_jobs_run_runs_one_now_with_a_progress_bar_and_records_it_manual(runner):
    result = runner.invoke(args=["jobs", "run", "cleanup_tokens"])

    assert result.exit_code == 0, result.output
    assert "cleanup_tokens" in result.output
    assert "cleanup_tokens: success, 0 rows touched" in result.output
    run = db.session.execute(select(JobRun)).scalar_one()
    assert (run.job_name, run.trigger, run.outcome) == ("cleanup_tokens", "manual", "success")


def test_jobs_run_with_an_unknown_name_fails_clearly(runner):
    result = runner.invoke(args=["jobs", "run", "leaderboard"])

    assert result.exit_code != 0
    assert "There is no job called 'leaderboard'" in result.output
    assert db.session.execute(select(JobRun)).first() is None


def test_jobs_run_exits_non_zero_when_the_job_fails(runner, monkeypatch):
    def broken(ctx: JobContext) -> JobOutcome:
        raise ValueError("no good")

    monkeypatch.setitem(JOBS, "broken", JobSpec("broken", "Fails.", 1, 0, broken))

    result = runner.invoke(args=["jobs", "run", "broken"])

    assert result.exit_code == 1
    assert "broken failed: ValueError: no good" in result.output


def test_products_sync_without_a_store_is_skipped_not_failed(runner):
    result = runner.invoke(args=["products", "sync"])

    assert result.exit_code == 0, result.output
    assert "shopify_sync: skipped" in result.output
    assert "SHOPIFY_STORE_URL" in result.output


def test_the_scheduler_has_every_job_on_its_utc_cron(app):
    built = scheduler.build_scheduler(app)

    jobs = {job.id: job for job in built.get_jobs()}
    assert set(jobs) == set(JOBS)
    for name, spec in JOBS.items():
        fire = jobs[name].trigger.get_next_fire_time(None, NOW)
        assert fire == spec.next_run_after(NOW) or fire == spec.slot_at_or_before(NOW)
        assert fire.astimezone(UTC).strftime("%H:%M") == spec.schedule[:5]
    assert not built.running


def test_a_scheduled_fire_runs_the_job_with_the_schedule_trigger(app):
    db.session.rollback()
    scheduler.run_scheduled_job(app, JOBS["reconcile_wallets"])

    run = db.session.execute(select(JobRun)).scalar_one()
    assert (run.job_name, run.trigger, run.outcome) == ("reconcile_wallets", "schedule", "success")


def test_the_scheduler_never_starts_under_tests(app):
    assert scheduler.scheduler_blocked_by(app) is not None
    assert scheduler.start_scheduler_if_allowed(app) is None
    assert "fitkart_scheduler" not in app.extensions


def _server_app(**config: object) -> Flask:
    stub = Flask("stub")
    stub.config.update({"SCHEDULER_ENABLED": True, "TESTING": False, **config})
    return stub


def _blocked_under(command: str, *, reload: bool | None = None, **config: object):
    context = click.Context(click.Command(command))
    context.params["reload"] = reload
    with context:
        return scheduler.scheduler_blocked_by(_server_app(**config))


def test_where_the_scheduler_may_start(monkeypatch):
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)

    assert scheduler.scheduler_blocked_by(_server_app()) is None  # gunicorn
    assert scheduler.scheduler_blocked_by(_server_app(DEBUG=True)) is None
    assert "SCHEDULER_ENABLED" in scheduler.scheduler_blocked_by(
        _server_app(SCHEDULER_ENABLED=False)
    )
    assert "tests" in scheduler.scheduler_blocked_by(_server_app(TESTING=True))
    assert "flask command" in _blocked_under("seed")
    assert _blocked_under("run", DEBUG=True) is None  # `flask run` without --debug
    assert _blocked_under("run", reload=False) is None
    assert "watcher" in _blocked_under("run", reload=True)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    assert "watcher" in _blocked_under("run")
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    assert _blocked_under("run") is None


def test_web_processes_leave_the_scheduler_off_unless_told(monkeypatch):
    """The default is the safe one: 4 gunicorn workers start no scheduler of their own."""
    env = {k: v for k, v in os.environ.items() if k != "SCHEDULER_ENABLED"}
    probe = "from app.config import Config, DevelopmentConfig; print(Config.SCHEDULER_ENABLED)"
    default = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    enabled = subprocess.run(
        [sys.executable, "-c", probe],
        env={**env, "SCHEDULER_ENABLED": "true"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert (default.stdout.strip(), enabled.stdout.strip()) == ("False", "True")
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
    unset = Flask("stub")
    unset.config["TESTING"] = False
    assert "SCHEDULER_ENABLED is off" in scheduler.scheduler_blocked_by(unset)


def test_the_scheduler_starts_at_most_once_per_process(monkeypatch):
    started: list[object] = []

    class FakeScheduler(scheduler.BackgroundScheduler):
        def start(self, *args: object, **kwargs: object) -> None:
            started.append(self)

    monkeypatch.setattr(scheduler, "_started", None)
    monkeypatch.setattr(scheduler, "scheduler_blocked_by", lambda app: None)
    monkeypatch.setattr(scheduler, "build_scheduler", lambda app: FakeScheduler())
    monkeypatch.setattr(scheduler.atexit, "register", lambda *a, **k: None)

    first = scheduler.start_scheduler_if_allowed(_server_app())
    second = scheduler.start_scheduler_if_allowed(_server_app())

    assert first is second
    assert started == [first]


def test_job_spec_slots(app):
    spec = JOBS["cleanup_tokens"]
    before = datetime(2025, 3, 12, 5, 29, tzinfo=UTC)
    assert spec.slot_at_or_before(before) == datetime(2025, 3, 11, 5, 30, tzinfo=UTC)
    assert spec.next_run_after(before) == datetime(2025, 3, 12, 5, 30, tzinfo=UTC)
