"""Running jobs: every run recorded, failures kept, one run per lock and per scheduled slot."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.backoffice import job_runs
from app.extensions import db
from app.jobs import JOBS, UnknownJob, list_jobs, run_job, run_now, run_now_in_background
from app.jobs.locks import job_lock
from app.jobs.runner import JobContext, JobOutcome, JobSpec, execute_job
from app.models.admin import AdminLog, JobRun, Setting
from tests.jobs.conftest import NOW


def runs(name: str | None = None) -> list[JobRun]:
    query = select(JobRun).order_by(JobRun.id)
    if name:
        query = query.where(JobRun.job_name == name)
    found = list(db.session.execute(query).scalars())
    db.session.rollback()
    return found


def counting_job(name: str = "counting", *, fail: bool = False) -> tuple[JobSpec, list[JobContext]]:
    calls: list[JobContext] = []

    def work(ctx: JobContext) -> JobOutcome:
        calls.append(ctx)
        db.session.add(Setting(key=f"touched_by_{name}_{len(calls)}", value=1))
        if fail:
            raise RuntimeError("the job broke")
        return JobOutcome(rows_touched=7, details={"note": "done"})

    return JobSpec(name, "A test job.", 2, 0, work), calls


def test_a_run_is_recorded_with_its_times_rows_and_details(app):
    spec, calls = counting_job()

    result = execute_job(spec, trigger="manual", now=NOW)

    assert result.outcome == "success"
    assert calls[0].now == NOW
    assert calls[0].trigger == "manual"
    [run] = runs("counting")
    assert (run.trigger, run.outcome, run.rows_touched) == ("manual", "success", 7)
    assert run.started_at == NOW
    assert NOW <= run.finished_at < NOW + timedelta(minutes=1)
    assert run.details == {"note": "done"}
    assert run.error_text is None
    assert db.session.get(Setting, "touched_by_counting_1") is not None


def test_a_failing_job_is_recorded_failed_its_work_undone_and_the_next_run_still_happens(app):
    broken, _ = counting_job("flaky", fail=True)

    failed = execute_job(broken, now=NOW)

    assert failed.outcome == "failed"
    assert not failed.ok
    [run] = runs("flaky")
    assert run.outcome == "failed"
    assert "RuntimeError: the job broke" in run.error_text
    assert run.finished_at is not None
    assert db.session.get(Setting, "touched_by_flaky_1") is None

    fixed, _ = counting_job("flaky")
    assert execute_job(fixed, now=NOW + timedelta(days=1)).outcome == "success"
    assert [r.outcome for r in runs("flaky")] == ["failed", "success"]


def test_a_job_that_has_nothing_to_do_is_recorded_skipped_with_its_reason(app):
    result = run_job("shopify_sync", now=NOW)

    assert result.outcome == "skipped"
    [run] = runs("shopify_sync")
    assert run.outcome == "skipped"
    assert "SHOPIFY_STORE_URL" in run.details["reason"]


def test_a_manual_run_finding_the_job_locked_is_recorded_as_skipped(app):
    spec, calls = counting_job()

    with job_lock("counting", ttl=timedelta(hours=1)) as held:
        assert held
        result = execute_job(spec, trigger="manual", now=NOW)

    assert result.outcome == "skipped"
    assert calls == []
    [run] = runs("counting")
    assert run.outcome == "skipped"
    assert run.details == {"reason": "already running in another process"}
    assert execute_job(spec, now=NOW).outcome == "success"


def test_a_scheduled_run_finding_the_job_locked_stands_down_unrecorded(app):
    spec, calls = counting_job()

    with job_lock("counting", ttl=timedelta(hours=1)):
        result = execute_job(spec, trigger="schedule", now=NOW)

    assert result.outcome == "not_run"
    assert result.run_id is None
    assert calls == []
    assert runs("counting") == []


def test_a_scheduled_slot_runs_once_even_when_another_process_already_finished_it(app):
    spec, calls = counting_job()

    first = execute_job(spec, trigger="schedule", now=NOW + timedelta(seconds=1))
    late_twin = execute_job(spec, trigger="schedule", now=NOW + timedelta(minutes=3))
    manual = execute_job(spec, trigger="manual", now=NOW + timedelta(minutes=4))
    next_night = execute_job(spec, trigger="schedule", now=NOW + timedelta(days=1))

    assert [first.outcome, late_twin.outcome, manual.outcome, next_night.outcome] == [
        "success",
        "not_run",
        "success",
        "success",
    ]
    assert len(calls) == 3
    assert [r.trigger for r in runs("counting")] == ["schedule", "manual", "schedule"]


def test_runs_left_running_by_a_dead_process_are_marked_failed(app):
    db.session.add(JobRun(job_name="counting", started_at=NOW - timedelta(days=1)))
    db.session.commit()
    spec, _ = counting_job()

    execute_job(spec, now=NOW)

    abandoned, fresh = runs("counting")
    assert abandoned.outcome == "failed"
    assert "ended before the run finished" in abandoned.error_text
    assert fresh.outcome == "success"


def test_an_unknown_job_is_refused_with_the_known_names(app):
    with pytest.raises(UnknownJob) as caught:
        run_job("leaderboard")
    assert "leaderboards" in caught.value.message


def test_the_schedule_is_the_specs(app):
    assert {name: spec.schedule for name, spec in JOBS.items()} == {
        "challenges": "01:30 UTC",
        "leaderboards": "02:00 UTC",
        "achievements": "02:30 UTC",
        "anomaly_rescore": "03:00 UTC",
        "shopify_sync": "04:00 UTC",
        "reconcile_wallets": "05:00 UTC",
        "cleanup_tokens": "05:30 UTC",
        "mail_outbox": "06:00 UTC",
    }


def test_list_jobs_gives_next_and_last_runs(app):
    run_job("cleanup_tokens", now=NOW)
    run_job("reconcile_wallets", now=NOW)
    run_job("reconcile_wallets", now=NOW + timedelta(minutes=5))

    listed = {status.name: status for status in list_jobs(now=NOW + timedelta(hours=1))}

    assert list(listed) == [
        "challenges",
        "leaderboards",
        "achievements",
        "anomaly_rescore",
        "shopify_sync",
        "reconcile_wallets",
        "cleanup_tokens",
        "mail_outbox",
    ]
    assert listed["leaderboards"].next_run_at == NOW + timedelta(days=1)
    assert listed["cleanup_tokens"].next_run_at == NOW + timedelta(hours=3, minutes=30)
    assert listed["leaderboards"].last_run is None
    assert listed["reconcile_wallets"].last_run.started_at == NOW + timedelta(minutes=5)
    assert not listed["reconcile_wallets"].running
    history = job_runs.recent_runs("reconcile_wallets")
    assert [run.started_at for run in history] == [NOW + timedelta(minutes=5), NOW]
    assert job_runs.recent_runs(limit=1, before_id=history[0].id)[0].id == history[1].id


def test_run_now_from_the_admin_console_is_audited_and_recorded_manual(app, admin):
    result = run_now("cleanup_tokens", admin_id=admin.id, now=NOW)

    assert result.outcome == "success"
    [run] = runs("cleanup_tokens")
    assert run.trigger == "manual"
    assert run.details["requested_by"] == admin.id
    log = db.session.execute(select(AdminLog).where(AdminLog.action == "job.run")).scalar_one()
    assert (log.admin_id, log.entity_type, log.entity_id) == (admin.id, "job", "cleanup_tokens")


def test_run_now_in_background_runs_in_a_thread(app, admin):
    db.session.rollback()
    thread = run_now_in_background("reconcile_wallets", admin_id=admin.id)
    thread.join(timeout=60)

    assert not thread.is_alive()
    [run] = runs("reconcile_wallets")
    assert (run.outcome, run.trigger) == ("success", "manual")


def test_run_now_refuses_an_unknown_job_before_auditing(app, admin):
    with pytest.raises(UnknownJob):
        run_now("nope", admin_id=admin.id)
    assert db.session.execute(select(AdminLog)).first() is None
