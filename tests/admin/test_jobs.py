"""/admin/jobs: schedule, last and next run, run history, and "Run now" through the runner."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from markupsafe import escape
from sqlalchemy import select

from app.admin import jobs as jobs_view
from app.backoffice import job_runs
from app.extensions import db
from app.jobs import JOBS
from app.jobs.runner import JobOutcome
from app.models.admin import JobRun
from tests.admin.audit_trail import admin_logs
from tests.fixtures.sign_in import csrf_token


def runs() -> list[JobRun]:
    db.session.expire_all()
    return list(db.session.execute(select(JobRun).order_by(JobRun.id)).scalars())


def history_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="run-(\d+)"', html)]


def test_the_jobs_page_lists_every_job_with_its_schedule(admin_client):
    answer = admin_client.get("/admin/jobs")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    for spec in JOBS.values():
        assert f'<tr id="job-{spec.name}">' in html
        assert spec.schedule in html and str(escape(spec.description)) in html
    assert "never" in html
    assert "No runs yet." in html


def test_members_get_403(member_client):
    assert member_client.get("/admin/jobs").status_code == 403


def test_visitors_are_sent_to_the_login_page(client):
    answer = client.get("/admin/jobs")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_run_now_without_a_csrf_token_is_400_and_runs_nothing(admin_client):
    assert admin_client.post("/admin/jobs/cleanup_tokens/run").status_code == 400
    assert runs() == []
    assert admin_logs() == []


def test_run_now_runs_the_job_records_a_manual_run_and_shows_the_outcome(admin_client, admin):
    token = csrf_token(admin_client, "/admin/jobs")
    answer = admin_client.post("/admin/jobs/cleanup_tokens/run", data={"csrf_token": token})
    (run,) = runs()
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"/admin/jobs?run={run.id}#run-{run.id}"
    assert (run.job_name, run.trigger, run.outcome, run.rows_touched) == (
        "cleanup_tokens",
        "manual",
        "success",
        0,
    )
    assert run.finished_at is not None and run.details["requested_by"] == admin.id
    (log,) = admin_logs()
    assert (log.admin_id, log.action, log.entity_type, log.entity_id) == (
        admin.id,
        "job.run",
        "job",
        "cleanup_tokens",
    )

    page = admin_client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "cleanup_tokens: success, 0 rows touched." in page
    assert f'<tr id="run-{run.id}" aria-current="true"' in page
    job_row = page[page.index('<tr id="job-cleanup_tokens">') :]
    assert "success · manual · 0 rows" in job_row[: job_row.index("</tr>")]


def test_a_failing_job_is_recorded_with_its_error_and_reported(admin_client, monkeypatch):
    def boom(ctx):
        raise RuntimeError("the shop is on fire")

    monkeypatch.setitem(JOBS, "cleanup_tokens", replace(JOBS["cleanup_tokens"], run=boom))
    token = csrf_token(admin_client, "/admin/jobs")
    answer = admin_client.post(
        "/admin/jobs/cleanup_tokens/run", data={"csrf_token": token}, follow_redirects=True
    )
    html = answer.get_data(as_text=True)
    (run,) = runs()
    assert (run.outcome, run.trigger) == ("failed", "manual")
    assert "RuntimeError: the shop is on fire" in run.error_text
    assert "cleanup_tokens: failed: RuntimeError: the shop is on fire" in html
    assert "<mark>failed</mark>" in html
    assert "Traceback" in html  # the error text is on the page, opened for this run


def test_a_skipped_run_shows_its_reason(admin_client, monkeypatch):
    def nothing_to_do(ctx):
        return JobOutcome.skipped("nothing to clean today")

    monkeypatch.setitem(JOBS, "cleanup_tokens", replace(JOBS["cleanup_tokens"], run=nothing_to_do))
    token = csrf_token(admin_client, "/admin/jobs")
    html = admin_client.post(
        "/admin/jobs/cleanup_tokens/run", data={"csrf_token": token}, follow_redirects=True
    ).get_data(as_text=True)
    assert runs()[0].outcome == "skipped"
    assert "cleanup_tokens: skipped, 0 rows touched — nothing to clean today." in html


def test_an_unknown_job_is_404(admin_client):
    token = csrf_token(admin_client, "/admin/jobs")
    assert admin_client.post("/admin/jobs/nope/run", data={"csrf_token": token}).status_code == 404
    assert runs() == [] and admin_logs() == []


def test_history_filters_by_job_and_pages_back(admin_client, monkeypatch):
    monkeypatch.setattr(jobs_view, "HISTORY_SIZE", 2)
    start = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    ids = []
    for n in range(3):
        run_id = job_runs.start_run(
            "leaderboards", trigger="schedule", started_at=start + timedelta(days=n)
        )
        job_runs.finish_run(
            run_id,
            outcome="success",
            finished_at=start + timedelta(days=n, minutes=1),
            rows_touched=10 * n,
        )
        ids.append(run_id)
    other = job_runs.record_skipped_run(
        "shopify_sync", trigger="schedule", at=start, reason="no store configured"
    )

    page = admin_client.get("/admin/jobs").get_data(as_text=True)
    assert history_ids(page) == [other, ids[2]]

    page = admin_client.get("/admin/jobs?job=leaderboards").get_data(as_text=True)
    assert history_ids(page) == [ids[2], ids[1]]
    assert "60.0 s" in page
    older = re.search(r'href="(/admin/jobs\?job=leaderboards&amp;before=\d+)#history"', page)
    assert older, "no link to older runs"
    page = admin_client.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert history_ids(page) == [ids[0]]
    assert "Older runs" not in page

    page = admin_client.get("/admin/jobs?job=shopify_sync").get_data(as_text=True)
    assert "no store configured" in page
