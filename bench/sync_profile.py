"""In-process profile of POST /api/v1/steps/sync on a loaded database (issue #11 point 6).

    BENCH_DATABASE_URL=postgresql+psycopg://…/fitkart_bench_small \
        .venv/bin/python bench/sync_profile.py [--requests 200] [--cprofile]

Members of the loaded database (`bench/load`) sync a 7-day batch whose steps change on
every request (so the work is real, not `unchanged`), each from their own phone. Reports
the request's p50/p95, the statements per sync with their time, the slowest statement
shapes, and optionally a cProfile of the requests. The database keeps what the syncs wrote.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, select  # noqa: E402

from app.accounts import tokens  # noqa: E402
from app.accounts.tokens import ClientInfo  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models.base import utcnow  # noqa: E402
from app.models.users import User  # noqa: E402
from app.steps.sync import member_today  # noqa: E402
from bench.load.sql_replay import bench_app  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/fitkart_bench_small"


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(len(ordered) * fraction + 0.5) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--skip", type=int, default=0, help="members to pass over (fresh ones)")
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--shared-device", action="store_true", help="one phone for all (wrk)")
    args = parser.parse_args()
    app = bench_app(os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    client = app.test_client()
    with app.app_context():
        members = list(
            db.session.execute(
                select(User)
                .where(User.email.like("%@load.fitkart.example"), User.status == "active")
                .order_by(User.id)
                .offset(args.skip)
                .limit(args.members)
            ).scalars()
        )
        info = ClientInfo(device_name="bench", ip_address="127.0.0.1", user_agent="bench")
        bearers = [
            (m.id, tokens.issue_pair(m, info).access_token, member_today(m, utcnow()))
            for m in members
        ]
        db.session.commit()
        engine = db.engine

    per_request: list[tuple[int, float]] = []
    shapes: dict[str, list[float]] = defaultdict(list)
    current: list[float] = []

    def before(conn, cursor, statement, parameters, context, executemany) -> None:
        context._bench_started = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany) -> None:
        spent = (time.perf_counter() - context._bench_started) * 1000
        current.append(spent)
        shapes[" ".join(statement.split())[:160]].append(spent)

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    profiler = cProfile.Profile() if args.cprofile else None
    samples = []
    statuses: dict[str, int] = defaultdict(int)
    for n in range(args.requests):
        user_id, token, today = bearers[n % len(bearers)]
        records = []
        for d in range(7):
            steps = 4000 + (n * 37 + d * 11 + user_id) % 9000
            records.append(
                {
                    "date": (today - timedelta(days=d)).isoformat(),
                    "steps": steps,
                    "source": "google_fit",
                    "distance_m": steps * 0.75,
                    "active_minutes": steps // 100,
                }
            )
        device = "bench-phone" if args.shared_device else f"bench-phone-{user_id}"
        body = {"device_id": device, "records": records}
        current.clear()
        if profiler:
            profiler.enable()
        started = time.perf_counter()
        answer = client.post(
            "/api/v1/steps/sync", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        samples.append((time.perf_counter() - started) * 1000)
        if profiler:
            profiler.disable()
        assert answer.status_code == 200, answer.get_json()
        for result in answer.get_json()["results"]:
            statuses[result["status"]] += 1
        per_request.append((len(current), sum(current)))
    warm = samples[len(bearers) :] or samples  # the first round warms the caches
    counts = [c for c, _ in per_request]
    sql_ms = [ms for _, ms in per_request]
    print(f"load average: {os.getloadavg()}")
    print(
        f"requests={len(samples)} p50={statistics.median(warm):.1f} ms "
        f"p95={percentile(warm, 0.95):.1f} ms (first round excluded)"
    )
    print(
        f"statements per sync: median {statistics.median(counts)} (min {min(counts)}, "
        f"max {max(counts)}); SQL time per sync p50 {statistics.median(sql_ms):.1f} ms"
    )
    print(f"record statuses: {dict(statuses)}")
    print("statement shapes by total time:")
    for shape, times in sorted(shapes.items(), key=lambda kv: -sum(kv[1]))[:25]:
        print(
            f"  {len(times) / len(samples):5.2f}/sync {statistics.median(times):6.2f} ms "
            f"{sum(times):8.1f} ms total  {shape}"
        )
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
