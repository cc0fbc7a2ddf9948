"""Nightly jobs: schedule, last and next run, run history, and "Run now"."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app import jobs as job_registry
from app.admin import bp
from app.admin.forms import arg_int
from app.backoffice import job_runs
from app.core import outbox

HISTORY_SIZE = 50


@bp.get("/jobs")
def jobs() -> ResponseReturnValue:
    name = request.args.get("job")
    name = name if name in job_registry.JOBS else None
    before = arg_int("before", minimum=1)
    history = job_runs.recent_runs(name, limit=HISTORY_SIZE + 1, before_id=before)
    return render_template(
        "admin/jobs.html",
        jobs=job_registry.list_jobs(),
        history=history[:HISTORY_SIZE],
        older=history[HISTORY_SIZE - 1].id if len(history) > HISTORY_SIZE else None,
        job_filter=name,
        before=before,
        highlight=arg_int("run", minimum=1),
        outbox_counts=outbox.counts(),
    )


@bp.post("/jobs/<name>/run")
def job_run(name: str) -> ResponseReturnValue:
    if name not in job_registry.JOBS:
        abort(404)
    result = job_registry.run_now(name, admin_id=current_user.id)
    message = f"{result.job_name}: {result.outcome}"
    if result.rows_touched is not None:
        message += f", {result.rows_touched:,} rows touched"
    if reason := result.details.get("reason"):
        message += f" — {reason}"
    if result.outcome == "failed":
        last_line = (result.error_text or "").strip().splitlines()[-1:] or ["unknown error"]
        flash(f"{message}: {last_line[0]}", "error")
    else:
        flash(message + ".", "info")
    anchor = f"#run-{result.run_id}" if result.run_id else ""
    return redirect(url_for("admin.jobs", run=result.run_id) + anchor)
