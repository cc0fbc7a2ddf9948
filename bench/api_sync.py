"""Latency of POST /api/v1/steps/sync: a week of records per request, members re-syncing."""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta

from _common import describe, record, scratch_app

from app.accounts import accounts
from app.extensions import db


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    app = scratch_app()
    client = app.test_client()
    with app.app_context():
        for i in range(args.members):
            accounts.create_user(f"bench{i}@example.com", "bench-password-1", f"Bench Walker {i}")
        db.session.commit()
        dialect = db.engine.dialect.name
    tokens = []
    for i in range(args.members):
        answer = client.post(
            "/api/v1/auth/login",
            json={"email": f"bench{i}@example.com", "password": "bench-password-1"},
        )
        tokens.append(answer.get_json()["access_token"])
    rng = random.Random(7)
    today = datetime.now(UTC).date()
    samples = []
    for n in range(args.requests):
        token = tokens[n % len(tokens)]
        records = [
            {
                "date": (today - timedelta(days=d)).isoformat(),
                "steps": rng.randint(3000, 14000),
                "source": "google_fit",
                "distance_m": 5000.0,
                "active_minutes": 70,
            }
            for d in range(7)
        ]
        started = time.perf_counter()
        answer = client.post(
            "/api/v1/steps/sync",
            json={"records": records},
            headers={"Authorization": f"Bearer {token}"},
        )
        samples.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.get_json()
    record("api_sync (7 records/request)", describe(samples), dialect)


if __name__ == "__main__":
    main()
