"""The single-run lock: threads and processes racing for one job run it once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.jobs.locks import advisory_lock_key, job_lock, row_lock
from app.jobs.runner import JobContext, JobOutcome, JobRunResult, JobSpec, execute_job
from app.models.admin import JobRun
from tests.jobs.conftest import NOW

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WAIT = 30  # seconds; only ever reached if the code under test is broken

HOLD_LOCK_IN_ANOTHER_PROCESS = """
import sys
from datetime import timedelta
from app import create_app
from app.extensions import db
from app.jobs.locks import job_lock
from tests.conftest import config_for

app = create_app(config_for(sys.argv[1]))
with app.app_context():
    with job_lock(sys.argv[2], ttl=timedelta(hours=1)) as held:
        print("held" if held else "busy", flush=True)
        sys.stdin.readline()
    db.session.remove()
"""


def blocking_job(name: str) -> tuple[JobSpec, threading.Event, threading.Event, list[str]]:
    """A job that signals when it starts and then waits to be released."""
    entered, release = threading.Event(), threading.Event()
    ran: list[str] = []

    def work(ctx: JobContext) -> JobOutcome:
        ran.append(ctx.trigger)
        entered.set()
        assert release.wait(WAIT)
        return JobOutcome(rows_touched=1)

    return JobSpec(name, "Blocks.", 2, 0, work), entered, release, ran


def in_thread(app: Flask, results: list[JobRunResult], spec: JobSpec, trigger: str):
    def target() -> None:
        with app.app_context():
            try:
                results.append(execute_job(spec, trigger=trigger, now=NOW))
            finally:
                db.session.remove()

    return threading.Thread(target=target)


def recorded(name: str) -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(JobRun.trigger, JobRun.outcome).where(JobRun.job_name == name).order_by(JobRun.id)
    ).all()
    db.session.rollback()
    return [tuple(row) for row in rows]


def test_a_second_thread_is_turned_away_while_the_first_runs_the_job(app):
    spec, entered, release, ran = blocking_job("exclusive")
    results: list[JobRunResult] = []
    first = in_thread(app, results, spec, "manual")
    db.session.rollback()
    first.start()
    assert entered.wait(WAIT)

    second = execute_job(spec, trigger="manual", now=NOW)
    release.set()
    first.join(WAIT)

    assert second.outcome == "skipped"
    assert [r.outcome for r in results] == ["success"]
    assert ran == ["manual"]
    assert sorted(recorded("exclusive")) == [("manual", "skipped"), ("manual", "success")]


def test_different_jobs_do_not_block_each_other(app):
    with job_lock("one", ttl=timedelta(hours=1)) as first:
        with job_lock("two", ttl=timedelta(hours=1)) as second:
            assert first and second
            with job_lock("one", ttl=timedelta(hours=1)) as again:
                assert not again
    with job_lock("one", ttl=timedelta(hours=1)) as after_release:
        assert after_release


def test_a_lock_row_left_by_a_dead_process_expires(app):
    ttl = timedelta(hours=1)
    with row_lock("nightly", ttl=ttl, now=NOW) as held:
        assert held
        with row_lock("nightly", ttl=ttl, now=NOW + timedelta(minutes=59)) as blocked:
            assert not blocked
        with row_lock("nightly", ttl=ttl, now=NOW + timedelta(hours=2)) as taken_over:
            assert taken_over
    with row_lock("nightly", ttl=ttl, now=NOW + timedelta(hours=2)) as free:
        assert free


def test_advisory_lock_keys_are_stable_and_distinct():
    assert advisory_lock_key("leaderboards") == advisory_lock_key("leaderboards")
    assert advisory_lock_key("leaderboards") != advisory_lock_key("achievements")
    assert -(2**63) <= advisory_lock_key("leaderboards") < 2**63


def test_a_job_locked_by_another_process_is_not_run_here(app):
    spec, _, release, ran = blocking_job("shared")
    release.set()
    uri = db.engine.url.render_as_string(hide_password=False)
    db.session.rollback()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK_IN_ANOTHER_PROCESS, uri, "shared"],
        cwd=PROJECT_ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        while_held = execute_job(spec, trigger="schedule", now=NOW)
        manual_while_held = execute_job(spec, trigger="manual", now=NOW)
    finally:
        holder.communicate("done\n", timeout=WAIT)
    assert holder.returncode == 0

    after = execute_job(spec, trigger="schedule", now=NOW)

    assert (while_held.outcome, manual_while_held.outcome, after.outcome) == (
        "not_run",
        "skipped",
        "success",
    )
    assert ran == ["schedule"]
    assert recorded("shared") == [("manual", "skipped"), ("schedule", "success")]


@pytest.mark.postgres_only
def test_four_schedulers_firing_at_once_run_the_job_once(app):
    spec, entered, release, ran = blocking_job("nightly")
    results: list[JobRunResult] = []
    done = threading.Condition()
    start = threading.Barrier(4)

    def racer() -> None:
        with app.app_context():
            try:
                start.wait(WAIT)
                result = execute_job(spec, trigger="schedule", now=NOW)
            finally:
                db.session.remove()
        with done:
            results.append(result)
            done.notify_all()

    threads = [threading.Thread(target=racer) for _ in range(4)]
    for thread in threads:
        thread.start()
    assert entered.wait(WAIT)
    with done:
        assert done.wait_for(lambda: len(results) == 3, WAIT)
    release.set()
    for thread in threads:
        thread.join(WAIT)

    assert sorted(r.outcome for r in results) == ["not_run", "not_run", "not_run", "success"]
    assert ran == ["schedule"]
    assert recorded("nightly") == [("schedule", "success")]
