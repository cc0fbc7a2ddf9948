"""How long `flask seed demo` takes (the goal: 1,000 members x 90 days under 1 min on SQLite)."""

from __future__ import annotations

import argparse
import time

from _common import record, scratch_app

from app.extensions import db
from seeds.demo import generate_demo


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args()
    app = scratch_app()
    with app.app_context():
        started = time.perf_counter()
        summary = generate_demo(args.users, args.days)
        elapsed = time.perf_counter() - started
        dialect = db.engine.dialect.name
    record(
        "seed_demo",
        f"{args.users} members x {args.days} days: {elapsed:.1f} s "
        f"({summary.step_records} step records)",
        dialect,
    )


if __name__ == "__main__":
    main()
