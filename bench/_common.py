"""Shared set-up for the benchmarks: a scratch database, migrated, with the initial seed."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app import create_app  # noqa: E402
from app.config import TestingConfig  # noqa: E402
from app.extensions import db  # noqa: E402


def scratch_app() -> Flask:
    """A migrated, initially-seeded app on DATABASE_URL (recreated) or a temp SQLite file."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url.startswith("postgresql"):
        parsed = make_url(url)
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
        admin.dispose()
    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    config = type(
        "BenchConfig",
        (TestingConfig,),
        {"SQLALCHEMY_DATABASE_URI": url, "BCRYPT_ROUNDS": 4, "RATELIMIT_ENABLED": False},
    )
    app = create_app(config)
    with app.app_context():
        upgrade()
        from seeds.initial import load_initial

        load_initial("admin@bench.example", "bench-admin-pw")
        db.session.commit()
    return app


def describe(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return (
        f"n={len(ordered)} median={statistics.median(ordered):.1f} ms "
        f"p95={p95:.1f} ms max={ordered[-1]:.1f} ms"
    )


def record(name: str, line: str, database: str) -> None:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    entry = f"| {stamp} | {name} | {database} | {line} | {platform.python_version()} |\n"
    results = ROOT / "bench" / "results.md"
    if not results.exists():
        results.write_text(
            "| when (UTC) | benchmark | database | result | python |\n|---|---|---|---|---|\n"
        )
    with results.open("a") as handle:
        handle.write(entry)
    print(line)
