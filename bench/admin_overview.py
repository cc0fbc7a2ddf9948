"""How long /admin takes on a big generated history: the overview's queries, and the page.

    .venv/bin/python bench/admin_overview.py --members 5000 --days 120
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/fitkart_bench \\
      .venv/bin/python bench/admin_overview.py --explain

Members get a step record a day (a third with a second source), 1% of records flagged
(most of them decided long ago, a few hundred open), a few devices with rejected days,
thousands of orders and a year of nightly job runs. Then `admin_overview.overview()` and
a signed-in GET /admin are timed. `--explain` prints each query's PostgreSQL plan.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time

from _common import describe, record, scratch_app
from sqlalchemy import event, insert, select, text

from app.accounts import accounts
from app.backoffice import overview as admin_overview
from app.extensions import db
from app.jobs.nightly import JOBS
from app.models.admin import JobRun
from app.models.orders import Order
from app.models.steps import StepRecord, StepValidation
from app.models.users import User
from app.models.wallet import Wallet

CHUNK = 20_000


def _flush(table, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), rows[start : start + CHUNK])


def fill(members: int, days: int, now: datetime, rng: random.Random) -> dict[str, int]:
    today = now.date()
    _flush(
        User.__table__,
        [
            {
                "email": f"walker{i}@walkers.bench.example",
                "password_hash": "x",
                "full_name": f"Bench Walker{i}",
                "referral_code": f"B{i:07d}",
            }
            for i in range(members)
        ],
    )
    ids = list(
        db.session.execute(
            select(User.id).where(User.email.like("%@walkers.bench.example"))
        ).scalars()
    )
    _flush(Wallet.__table__, [{"user_id": uid} for uid in ids])
    reviewers = [
        accounts.create_user(
            f"reviewer{n}@bench.example", "bench-pw-123", f"Reviewer {n}", role="admin"
        ).id
        for n in range(4)
    ]
    records: list[dict] = []
    for uid in ids:
        base = rng.uniform(3000, 14000)
        for offset in range(days):
            day = today - timedelta(days=offset)
            synced = datetime.combine(day, clock_time(21), tzinfo=UTC)
            sources = ("google_fit", "fitbit") if rng.random() < 0.33 else ("google_fit",)
            for source in sources:
                flagged = rng.random() < 0.01
                status = "verified"
                if flagged:
                    status = "pending" if offset < 5 else rng.choice(("verified", "rejected"))
                records.append(
                    {
                        "user_id": uid,
                        "recorded_date": day,
                        "source": source,
                        "steps": int(base * rng.lognormvariate(0, 0.25)),
                        "status": status,
                        "device_id": f"device-{uid}" if rng.random() < 0.999 else "shaker",
                        "anomaly_score": 80 if flagged else 10,
                        "created_at": synced,
                        "updated_at": synced,
                    }
                )
    _flush(StepRecord.__table__, records)
    flagged_rows = db.session.execute(
        select(
            StepRecord.id, StepRecord.user_id, StepRecord.recorded_date, StepRecord.status
        ).where(StepRecord.anomaly_score == 80)
    ).all()
    validations = []
    for record_id, uid, day, status in flagged_rows:
        flagged_at = datetime.combine(day, clock_time(21, 5), tzinfo=UTC)
        open_case = status == "pending"
        decided = None if open_case else flagged_at + timedelta(hours=rng.uniform(1, 40))
        validations.append(
            {
                "step_record_id": record_id,
                "user_id": uid,
                "recorded_date": day,
                "anomaly_score": 80,
                "reasons": [{"code": "bench", "message": "generated", "weight": 80}],
                "status": "pending"
                if open_case
                else ("approved" if status == "verified" else "rejected"),
                "reviewed_by_id": None if open_case else rng.choice(reviewers),
                "reviewed_at": decided,
                "created_at": flagged_at,
                "updated_at": decided or flagged_at,
            }
        )
    _flush(StepValidation.__table__, validations)
    order_rows = []
    for n in range(members * 4):
        placed = now - timedelta(days=rng.uniform(0, days))
        status = (
            "delivered"
            if placed < now - timedelta(days=7)
            else rng.choice(("pending", "processing", "shipped"))
        )
        order_rows.append(
            {
                "order_code": f"FK-2026-{n:06d}",
                "user_id": rng.choice(ids),
                "status": status,
                "total_coins": 500,
                "shipping_address": {"line1": "1 Bench St", "city": "Lagos", "country": "NG"},
                "created_at": placed,
                "updated_at": placed,
            }
        )
    _flush(Order.__table__, order_rows)
    runs = []
    for offset in range(365):
        for spec in JOBS.values():
            started = datetime.combine(
                today - timedelta(days=offset), clock_time(spec.hour), tzinfo=UTC
            )
            runs.append(
                {
                    "job_name": spec.name,
                    "trigger": "schedule",
                    "started_at": started,
                    "finished_at": started + timedelta(seconds=30),
                    "outcome": "success",
                    "rows_touched": 10,
                }
            )
    _flush(JobRun.__table__, runs)
    db.session.commit()
    return {
        "step records": len(records),
        "cases": len(validations),
        "open cases": sum(1 for v in validations if v["status"] == "pending"),
        "orders": len(order_rows),
        "job runs": len(runs),
    }


def explain_all(now: datetime) -> None:
    """Run the overview once with EXPLAIN ANALYZE printed for every SELECT it sends."""
    plans: list[tuple[str, str]] = []
    engine = db.engine

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and not executemany:
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            plans.append((statement, "\n".join(row[0] for row in rows)))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        admin_overview.overview(now=now)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    for statement, plan in plans:
        print("-" * 100)
        print(" ".join(statement.split())[:300])
        print(plan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    app = scratch_app()
    with app.app_context():
        dialect = db.engine.dialect.name
        now = datetime.now(UTC)
        started = time.perf_counter()
        sizes = fill(args.members, args.days, now, random.Random(args.seed))
        print(f"generated {sizes} in {time.perf_counter() - started:.1f} s")
        if dialect == "postgresql":
            # What autovacuum does on a live database: statistics and the visibility map.
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        if args.explain and dialect == "postgresql":
            explain_all(now)
        admin_overview.overview(now=now)  # warm the caches once
        service_ms, sql_ms, statements = [], [], []
        spent = {"ms": 0.0, "n": 0}

        def before(conn, cursor, statement, parameters, context, executemany):
            context.bench_started = time.perf_counter()

        def after(conn, cursor, statement, parameters, context, executemany):
            spent["ms"] += (time.perf_counter() - context.bench_started) * 1000
            spent["n"] += 1

        event.listen(db.engine, "before_cursor_execute", before)
        event.listen(db.engine, "after_cursor_execute", after)
        for _ in range(args.samples):
            spent.update(ms=0.0, n=0)
            t0 = time.perf_counter()
            admin_overview.overview(now=now)
            service_ms.append((time.perf_counter() - t0) * 1000)
            sql_ms.append(spent["ms"])
            statements.append(spent["n"])
            db.session.rollback()
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)
    client = app.test_client()
    with app.app_context():
        login = client.get("/login")
        token = login.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1]
        client.post(
            "/login",
            data={
                "email": "reviewer0@bench.example",
                "password": "bench-pw-123",
                "csrf_token": token.split('"')[0],
            },
        )
    page_ms = []
    for _ in range(args.samples):
        t0 = time.perf_counter()
        answer = client.get("/admin")
        page_ms.append((time.perf_counter() - t0) * 1000)
        assert answer.status_code == 200, answer.status_code
    line = (
        f"{args.members} members x {args.days} days ({sizes['step records']} step records, "
        f"{sizes['cases']} cases, {sizes['open cases']} open, {sizes['orders']} orders, "
        f"{sizes['job runs']} job runs): overview() {describe(service_ms)}, "
        f"of which waiting on the database median={statistics.median(sql_ms):.1f} ms "
        f"in {max(statements)} statements; "
        f"GET /admin {describe(page_ms)}"
    )
    record("admin_overview", line, dialect)


if __name__ == "__main__":
    main()
