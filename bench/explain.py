"""EXPLAIN (ANALYZE, BUFFERS) of every statement a nightly job or the /admin overview sends,
on an already loaded PostgreSQL database (bench/load), written to one text file.

    .venv/bin/python bench/explain.py leaderboards \\
      --url postgresql+psycopg://postgres@127.0.0.1:5432/fitkart_bench_boards \\
      --out bench/results/explain/leaderboards-medium-after.txt
    .venv/bin/python bench/explain.py overview --url … --out …

Each statement is explained just before it runs; a write is explained inside a savepoint
that is rolled back, so the job still does its work once (and takes about twice as long).
Statements faster than --min-ms are listed with their time only.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

WRITES = ("INSERT", "UPDATE", "DELETE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=("leaderboards", "overview"))
    parser.add_argument("--url", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--min-ms", type=float, default=20.0)
    parser.add_argument("--periods", help="leaderboards: only these boards, e.g. all_time")
    parser.add_argument(
        "--time", type=int, default=0, help="overview: then time N misses of each kind"
    )
    args = parser.parse_args()
    os.environ.update(FITKART_ENV="development", DATABASE_URL=args.url)
    from app import create_app
    from app.extensions import db

    app = create_app()
    lines: list[str] = []
    with app.app_context():
        engine = db.engine

        def explain(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            verb = statement.lstrip().split(None, 1)[0].upper()
            if executemany or verb not in ("SELECT", "WITH", *WRITES):
                return
            write = verb in WRITES
            if write:
                conn.exec_driver_sql("SAVEPOINT bench_explain")
            started = time.perf_counter()
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            plan = [row[0] for row in rows]
            took = (time.perf_counter() - started) * 1000
            if write:
                conn.exec_driver_sql("ROLLBACK TO SAVEPOINT bench_explain")
            head = " ".join(statement.split())[:160]
            lines.append(f"--- {took:.1f} ms  {head}")
            if took >= args.min_ms:
                lines.append(f"params: {parameters}")
                lines.extend(plan)
            lines.append("")

        event.listen(engine, "before_cursor_execute", explain)
        started = time.perf_counter()
        if args.what == "leaderboards":
            from app.gamification import leaderboards

            plan = leaderboards.plan_boards()
            if args.periods:
                plan = [w for w in plan if w.period in args.periods.split(",")]
            built = leaderboards.rebuild_leaderboards(plan=plan)
            summary = ", ".join(f"{b.period} {b.period_start} {b.members_ranked}" for b in built)
        else:
            from app.backoffice import overview

            overview.compute_overview(datetime.now(UTC))
            summary = "compute_overview"
        event.remove(engine, "before_cursor_execute", explain)
        total = time.perf_counter() - started
        if args.what == "overview" and args.time:
            summary += "; " + time_overview_misses(args.time)
    load = os.getloadavg()
    header = [
        f"# {args.what} on {args.url.rsplit('/', 1)[1]}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"# {summary}",
        f"# whole run with explains {total:.1f} s; load average {load[0]:.2f} {load[1]:.2f}",
        "",
    ]
    Path(args.out).write_text("\n".join(header + lines) + "\n")
    print("\n".join(header))


def time_overview_misses(samples: int) -> str:
    """Median ms of a whole snapshot miss, and of one after a decision (day figures kept)."""
    import statistics

    from app.backoffice import overview

    def median_ms(take) -> float:  # type: ignore[no-untyped-def]
        runs = []
        for _ in range(samples):
            started = time.perf_counter()
            take()
            runs.append((time.perf_counter() - started) * 1000)
        return statistics.median(runs)

    now = datetime.now(UTC)
    known = overview.day_figures(now)
    whole = median_ms(lambda: overview.compute_overview(now))
    after_decision = median_ms(lambda: overview.compute_overview(now, known=known))
    figures = median_ms(lambda: overview.day_figures(now))
    return (
        f"median of {samples}: whole miss {whole:.1f} ms, miss after a decision "
        f"{after_decision:.1f} ms, day figures alone {figures:.1f} ms"
    )


if __name__ == "__main__":
    main()
