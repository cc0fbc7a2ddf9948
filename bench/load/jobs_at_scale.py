"""Every nightly job over the loaded data (issue #11 point 4): its duration, and
EXPLAIN (ANALYZE, BUFFERS) of its slowest statements saved beside the results.

Each job runs in-process, as `flask jobs run` runs it (development config on the bench
database), while a SQLAlchemy listener times every statement. Afterwards the slowest ones
are explained, each in a transaction that is rolled back, so a write is measured on the
same rows and changes nothing.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

SLOWEST = 3  # statements explained per job
# Jobs whose first run over fresh data does once what later nights only top up: run twice,
# the second run reported as the nightly figure (the leaderboards build every month once).
RUN_TWICE = ("leaderboards",)
EXPLAIN_FROM_MS = 100.0  # faster statements are not worth a plan


def time_jobs(url: str, explain_folder: Path, stem: str) -> list[dict[str, Any]]:
    """Run every job once, in schedule order; one row per job. Plans go to
    `explain_folder/<stem>-<job>.txt`."""
    os.environ["FITKART_ENV"] = "development"
    from app import create_app
    from app.extensions import db
    from app.jobs import JOBS, run_job

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    explain_folder.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    with app.app_context():
        engine = db.engine
        schedule = sorted(JOBS.values(), key=lambda s: (s.hour, s.minute))
        runs = [(spec, "") for spec in schedule] + [
            (JOBS[name], " (second night)") for name in RUN_TWICE
        ]
        for spec, night in runs:
            timed: list[tuple[float, str, Any]] = []

            def start(conn, cursor, statement, parameters, context, executemany) -> None:
                conn.info.setdefault("bench_started", []).append(time.perf_counter())

            def stop(
                conn, cursor, statement, parameters, context, executemany, timed=timed
            ) -> None:
                began = conn.info["bench_started"].pop()
                timed.append(((time.perf_counter() - began) * 1000, statement, parameters))

            event.listen(engine, "before_cursor_execute", start)
            event.listen(engine, "after_cursor_execute", stop)
            began = time.monotonic()
            try:
                result = run_job(spec.name)
            finally:
                event.remove(engine, "before_cursor_execute", start)
                event.remove(engine, "after_cursor_execute", stop)
            seconds = round(time.monotonic() - began, 1)
            slowest = sorted(timed, key=lambda t: t[0], reverse=True)[:SLOWEST]
            plans = [
                (ms, statement, _explain(engine, statement, parameters))
                for ms, statement, parameters in slowest
                if ms >= EXPLAIN_FROM_MS
            ]
            if plans:
                suffix = "-second-night" if night else ""
                (explain_folder / f"{stem}-{spec.name}{suffix}.txt").write_text(
                    "\n\n".join(
                        f"-- {ms:.0f} ms in the job\n{statement.strip()}\n\n{plan}"
                        for ms, statement, plan in plans
                    )
                    + "\n"
                )
            rows.append(
                {
                    "job": spec.name + night,
                    "seconds": seconds,
                    "outcome": result.outcome,
                    "rows_touched": result.rows_touched,
                    "statements": len(timed),
                    "slowest_ms": [round(ms, 1) for ms, _, _ in slowest],
                }
            )
            db.session.remove()
    return rows


def _explain(engine: Any, statement: str, parameters: Any) -> str:
    """The statement's plan with its real timings, in a transaction that is rolled back."""
    if isinstance(parameters, list):  # an executemany: the plan of its first row
        parameters = parameters[0] if parameters else None
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SET LOCAL statement_timeout = '10min'")
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        return "\n".join(row[0] for row in cursor.fetchall())
    # A plan we cannot take is reported, not fatal: e.g. a replayed INSERT whose rows the
    # job already wrote (a unique key refuses them).
    except Exception as error:
        return f"(no plan: {type(error).__name__}: {error})"
    finally:
        raw.rollback()
        raw.close()
