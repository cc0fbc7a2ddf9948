"""How long the nightly leaderboards build takes on a big synthetic step history.

    .venv/bin/python bench/leaderboards.py --members 5000 --days 120

Members get verified step records (two overlapping sources on a third of the days), then
every board is built, rebuilt as the next night would, and the read side is timed.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time

from _common import describe, record, scratch_app
from sqlalchemy import insert, select, text

from app.extensions import db
from app.gamification import leaderboards
from app.models.steps import StepRecord
from app.models.users import User
from app.models.wallet import Wallet

CHUNK = 20_000


def fill(members: int, days: int, today: date, rng: random.Random) -> int:
    users = [
        {
            "email": f"walker{i}@walkers.bench.example",
            "password_hash": "x",
            "full_name": f"Bench Walker{i}",
            "referral_code": f"B{i:07d}",
            "leaderboard_hidden": rng.random() < 0.02,
            "status": "banned" if rng.random() < 0.01 else "active",
        }
        for i in range(members)
    ]
    db.session.execute(insert(User.__table__), users)
    ids = list(
        db.session.execute(
            select(User.id).where(User.email.like("%@walkers.bench.example"))
        ).scalars()
    )
    db.session.execute(insert(Wallet.__table__), [{"user_id": uid} for uid in ids])
    rows: list[dict] = []
    written = 0
    for uid in ids:
        base = rng.uniform(3000, 14000)
        for offset in range(days):
            day = today - timedelta(days=offset)
            steps = int(base * rng.lognormvariate(0, 0.25))
            synced = datetime.combine(day, clock_time(21), tzinfo=UTC)
            sources = ("google_fit", "fitbit") if rng.random() < 0.33 else ("google_fit",)
            for source in sources:
                rows.append(
                    {
                        "user_id": uid,
                        "recorded_date": day,
                        "source": source,
                        "steps": steps if source == "google_fit" else int(steps * 0.9),
                        "status": "verified",
                        "created_at": synced,
                        "updated_at": synced,
                    }
                )
            if len(rows) >= CHUNK:
                db.session.execute(insert(StepRecord.__table__), rows)
                written += len(rows)
                rows = []
    if rows:
        db.session.execute(insert(StepRecord.__table__), rows)
        written += len(rows)
    db.session.commit()
    return written


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--days", type=int, default=120)
    args = parser.parse_args()
    app = scratch_app()
    now = datetime.now(UTC)
    with app.app_context():
        dialect = db.engine.dialect.name
        records = fill(args.members, args.days, now.date(), random.Random(7))
        if dialect == "postgresql":
            # A bulk load outruns autovacuum; a live database would have its statistics.
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        timings = []
        for _ in range(2):  # the first build, then the next night's
            started = time.perf_counter()
            built = leaderboards.rebuild_leaderboards(now=now)
            timings.append((time.perf_counter() - started, len(built)))
        reads = []
        for index in range(100):
            started = time.perf_counter()
            leaderboards.top_entries("weekly", 100)
            leaderboards.member_rank(index + 1, "all_time")
            reads.append((time.perf_counter() - started) * 1000)
    (first, first_boards), (again, again_boards) = timings
    record(
        "leaderboards",
        f"{args.members} members x {args.days} days ({records} step records): "
        f"build {first_boards} boards {first:.2f} s, nightly rebuild {again_boards} boards "
        f"{again:.2f} s; top 100 + own rank: {describe(reads)}",
        dialect,
    )


if __name__ == "__main__":
    main()
