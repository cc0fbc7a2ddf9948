"""Latency of POST /api/v1/steps/sync: a week of records per request, members re-syncing.

By default on a scratch database (DATABASE_URL, recreated, or a temp SQLite file) with
`--members` new members. With `--loaded URL` on a database the load harness filled
(`bench/load`), left as it is apart from the syncs: its members sync from their own phones.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import UTC, datetime, timedelta

from _common import describe, record, scratch_app
from sqlalchemy import select

from app.accounts import accounts, tokens
from app.extensions import db
from app.models.users import User
from bench.load.sql_replay import bench_app


def scratch_tokens(members: int) -> tuple[object, list[tuple[int, str]]]:
    app = scratch_app()
    client = app.test_client()
    with app.app_context():
        for i in range(members):
            accounts.create_user(f"bench{i}@example.com", "bench-password-1", f"Bench Walker {i}")
        db.session.commit()
    found = []
    for i in range(members):
        answer = client.post(
            "/api/v1/auth/login",
            json={"email": f"bench{i}@example.com", "password": "bench-password-1"},
        )
        found.append((i, answer.get_json()["access_token"]))
    return app, found


def loaded_tokens(url: str, members: int, skip: int) -> tuple[object, list[tuple[int, str]]]:
    app = bench_app(url)
    with app.app_context():
        chosen = db.session.execute(
            select(User)
            .where(User.email.like("%@load.fitkart.example"), User.status == "active")
            .order_by(User.id)
            .offset(skip)
            .limit(members)
        ).scalars()
        info = tokens.ClientInfo(device_name="bench", ip_address="127.0.0.1", user_agent="bench")
        found = [(m.id, tokens.issue_pair(m, info).access_token) for m in chosen]
        db.session.commit()
    return app, found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--loaded", metavar="URL", help="a database bench/load filled")
    parser.add_argument("--skip", type=int, default=0, help="loaded members to pass over")
    args = parser.parse_args()
    if args.loaded:
        app, members = loaded_tokens(args.loaded, args.members, args.skip)
    else:
        app, members = scratch_tokens(args.members)
    client = app.test_client()  # type: ignore[attr-defined]
    with app.app_context():  # type: ignore[attr-defined]
        dialect = db.engine.dialect.name
    rng = random.Random(7)
    today = datetime.now(UTC).date()
    samples = []
    for n in range(args.requests):
        member_id, token = members[n % len(members)]
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
            json={"device_id": f"bench-phone-{member_id}", "records": records},
            headers={"Authorization": f"Bearer {token}"},
        )
        samples.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.get_json()
    where = "loaded" if args.loaded else "scratch"
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    record(f"api_sync (7 records/request, {where}, load {load})", describe(samples), dialect)


if __name__ == "__main__":
    main()
