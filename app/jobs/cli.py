"""Commands: flask jobs list|run, flask products sync, flask scheduler run (SPEC §8)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import click
from flask import current_app
from flask.cli import with_appcontext

from app.extensions import db
from app.jobs import UnknownJob, list_jobs, run_job
from app.jobs.runner import JobRunResult

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar


class ClickProgress:
    """A click progress bar that appears once the job says how much work there is."""

    def __init__(self, label: str) -> None:
        self._label = label
        self._bar: ProgressBar[int] | None = None

    def total(self, count: int) -> None:
        if self._bar is None:
            self._bar = click.progressbar(length=max(count, 1), label=self._label)
            self._bar.__enter__()
        else:
            self._bar.length = max(count, 1)

    def advance(self, count: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(count)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def _run_with_progress(name: str) -> JobRunResult:
    progress = ClickProgress(name)
    try:
        result = run_job(name, trigger="manual", progress=progress)
    except UnknownJob as exc:
        raise click.UsageError(exc.message) from None
    finally:
        progress.close()
    _report(result)
    return result


def _report(result: JobRunResult) -> None:
    summary = f"{result.job_name}: {result.outcome}"
    if result.rows_touched is not None:
        summary += f", {result.rows_touched} rows touched"
    if result.run_id is not None:
        summary += f" (run {result.run_id})"
    reason = result.details.get("reason")
    if reason:
        summary += f" — {reason}"
    click.echo(summary)
    if result.outcome == "failed":
        last_line = (result.error_text or "").strip().splitlines()[-1:] or ["unknown error"]
        raise click.ClickException(f"{result.job_name} failed: {last_line[0]}")


@click.group("jobs", help="List the nightly jobs or run one now.")
def jobs_group() -> None:
    pass


@jobs_group.command("list")
@with_appcontext
def jobs_list() -> None:
    """Every job with its schedule, next run and last run."""
    rows = [
        (
            status.name,
            status.schedule,
            _when(status.next_run_at),
            (
                f"{_when(status.last_run.started_at)} {status.last_run.outcome} "
                f"({status.last_run.trigger})"
                if status.last_run
                else "never"
            ),
        )
        for status in list_jobs()
    ]
    headers = ("job", "schedule", "next run", "last run")
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    for row in (headers, *rows):
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


@jobs_group.command("run")
@click.argument("name")
@with_appcontext
def jobs_run(name: str) -> None:
    """Run job NAME now (recorded with trigger "manual")."""
    _run_with_progress(name)


@click.group("products", help="The reward catalogue.")
def products_group() -> None:
    pass


@products_group.command("sync")
@with_appcontext
def products_sync() -> None:
    """Sync reward products from the Shopify store now (the shopify_sync job)."""
    _run_with_progress("shopify_sync")


@click.group("scheduler", help="Run the nightly-job scheduler as its own process.")
def scheduler_group() -> None:
    pass


@scheduler_group.command("run")
@with_appcontext
def scheduler_run() -> None:
    """Run the scheduler in the foreground until stopped (Ctrl+C)."""
    from app.jobs.scheduler import build_scheduler

    # current_app is typed as the Flask app; the proxy's own unwrap method is not.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = build_scheduler(app, blocking=True)
    for status in list_jobs():
        click.echo(f"{status.name:<18} {status.schedule}  next {_when(status.next_run_at)}")
    db.session.remove()  # an idle SQLite transaction would hold the write lock all night
    click.echo("Scheduler running; Ctrl+C stops it.")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        click.echo("Scheduler stopped.")
