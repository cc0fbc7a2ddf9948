"""How long the nightly `reconcile_wallets` takes on demo data: wallet drift + every hash chain."""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

from _common import record, scratch_app

from app.extensions import db
from app.jobs import run_job
from app.models.base import utcnow
from seeds.demo import generate_demo


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args()
    app = scratch_app()
    with app.app_context():
        generate_demo(args.users, args.days)
        db.session.commit()
        started = time.perf_counter()
        result = run_job("reconcile_wallets", now=utcnow() + timedelta(hours=1))
        elapsed = time.perf_counter() - started
        chains = result.details["chains"]
        dialect = db.engine.dialect.name
    record(
        "reconcile_wallets",
        f"{chains['members']} members, {chains['rows']} ledger rows: {elapsed:.2f} s "
        f"(drift {result.details['drift_count']}, broken chains {chains['broken_count']})",
        dialect,
    )


if __name__ == "__main__":
    main()
