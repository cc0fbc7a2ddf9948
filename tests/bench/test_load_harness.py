"""`make bench SCALE=tiny` as a smoke test: the harness works end to end and writes its
report. It asserts what the harness did, never how fast anything was."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app.config import PROJECT_ROOT
from app.jobs import JOBS
from bench.load.harness import OPERATIONS, SCALES

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow]


def test_tiny_scale_runs_every_operation_and_writes_the_report(tmp_path: Path):
    test_database = make_url(os.environ["TEST_DATABASE_URL"])
    bench_database = test_database.set(database=f"{test_database.database}_bench_tiny")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "BENCH_DATABASE_URL": bench_database.render_as_string(hide_password=False),
    }
    run = subprocess.run(
        [sys.executable, "bench/load/harness.py", "--scale", "tiny", "--out", str(tmp_path)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    (report_file,) = tmp_path.glob("*-tiny.json")
    report = json.loads(report_file.read_text())
    measured = {(m["operation"], m["clients"]) for m in report["measurements"]}
    assert measured == {(op, n) for op in OPERATIONS for n in SCALES["tiny"].clients}
    for m in report["measurements"]:
        assert m["requests"] > 0 and m["errors"] == 0, m
        assert m["healthz_rps"] > 0 and m["sql_replay_ms"] > 0, m
        assert m["target_ms"] > 0
    assert all(m["bcrypt_ms"] for m in report["measurements"] if m["operation"] == "login")
    assert report["data"]["users"] > SCALES["tiny"].members
    # Every nightly job ran over the loaded data, and the loader's phases are reported.
    assert {row["job"] for row in report["jobs"]} == set(JOBS) | {"leaderboards (second night)"}
    assert {row["outcome"] for row in report["jobs"]} <= {"success", "skipped"}
    assert report["loader"]["step_records"] == SCALES["tiny"].members * SCALES["tiny"].days
    assert report["loader"]["achievements_unlocked"] > 0
    markdown = next(tmp_path.glob("*-tiny.md")).read_text()
    assert markdown.count("\n| sync |") == len(SCALES["tiny"].clients)
    assert markdown.count("\n| leaderboards |") == 1
