"""The load harness: FitKart served by gunicorn exactly as production (`make serve`), driven
by wrk from another process, with ceilings measured in the same run.

    make bench SCALE=tiny|small|medium|full      (or: .venv/bin/python bench/load/harness.py)

For every operation and client count it reports rps, p50/p95/p99 and errors, and each as
a fraction of two ceilings taken in the same run, so the figures survive a noisy machine:
(a) a trivial endpoint (/healthz) on the same gunicorn, at the same client count;
(b) the SQL the operation issues, captured once and replayed from plain psycopg;
(c) for login, bcrypt alone at the configured cost.
Results go to bench/results/<date>-<scale>.json and .md.

The data: a PostgreSQL database per scale (`fitkart_bench_<scale>` on the local server, or
BENCH_DATABASE_URL), written by the COPY loader (bench/load/loader.py), then the
achievements and leaderboards jobs, then ANALYZE; `--reuse` keeps one that is loaded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import bcrypt
import psycopg
import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.load.served import serve  # noqa: E402  (needs ROOT on the path)

RESULTS = ROOT / "bench" / "results"
VENV_BIN = ROOT / ".venv" / "bin"


@dataclass(frozen=True)
class Scale:
    members: int
    days: int
    clients: tuple[int, ...]
    seconds: int


SCALES = {
    # Two seconds: a page must finish at least once even on a busy machine.
    "tiny": Scale(members=40, days=14, clients=(1, 2), seconds=2),
    "small": Scale(members=10_000, days=90, clients=(1, 8, 32), seconds=15),
    "medium": Scale(members=100_000, days=90, clients=(1, 8, 32), seconds=15),
    "full": Scale(members=100_000, days=500, clients=(1, 8, 32), seconds=15),
}
# The seed documents' targets (ms), beside every figure in the report.
SEED_TARGET_MS = {
    "sync": 50,
    "balance": 10,
    "transactions": 100,
    "leaderboard": 200,
    "login": 150,
    "order": 200,
    "dashboard": 50,
    "wallet_page": 50,
    "admin_fraud": 200,
    # Not a seed target: issue #17 asks /admin for "a few milliseconds" at full scale.
    "admin_overview": 10,
}
OPERATIONS = tuple(SEED_TARGET_MS)
ADMIN_OPERATIONS = ("admin_fraud", "admin_overview")  # sent with the admin's cookie
DEMO_PASSWORD = "fitkart-demo"
ADMIN_EMAIL = "admin@fitkart.example"
ADMIN_PASSWORD = "bench-admin-password-2026"


@dataclass
class Measurement:
    operation: str
    clients: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    requests: int
    errors: int
    healthz_rps: float
    sql_replay_ms: float | None = None
    bcrypt_ms: float | None = None
    target_ms: int | None = None

    @property
    def vs_healthz(self) -> float:
        return self.rps / self.healthz_rps if self.healthz_rps else 0.0


@dataclass
class Report:
    scale: str
    started_at: str
    commit: str
    machine: dict[str, Any]
    data: dict[str, Any]
    measurements: list[Measurement] = field(default_factory=list)
    # What the loader wrote and how long each phase took (when this run loaded the data).
    loader: dict[str, Any] | None = None
    # Every nightly job over the data: seconds, outcome, statements, slowest statements.
    jobs: list[dict[str, Any]] = field(default_factory=list)


def log(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("installing wrk (Debian's package)")
        subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            check=True,
            capture_output=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("The load harness needs wrk: apt-get install wrk")
    return found


def database_url(scale: str) -> str:
    return os.environ.get(
        "BENCH_DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:5432/fitkart_bench_{scale}"
    )


def plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def flask(url: str, *args: str, **extra_env: str) -> None:
    env = {
        **os.environ,
        "FITKART_ENV": "development",
        "DATABASE_URL": url,
        "FLASK_APP": "wsgi",
        **extra_env,
    }
    subprocess.run([str(VENV_BIN / "flask"), *args], cwd=ROOT, env=env, check=True)


def load_data(url: str, scale: Scale, reuse: bool) -> dict[str, Any] | None:
    """A loaded database for `scale`; the loader's figures, or None when one was reused."""
    database = url.rsplit("/", 1)[1]
    server = plain(url.rsplit("/", 1)[0] + "/postgres")
    if reuse:
        try:
            with psycopg.connect(plain(url)) as conn:
                if conn.execute("SELECT count(*) FROM users").fetchone()[0] > scale.members:
                    log(f"reusing {database}")
                    return None
        except psycopg.Error:
            pass
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    log(f"loading {scale.members} members x {scale.days} days into {database}")
    flask(url, "db", "upgrade")
    flask(url, "seed", "initial", "--admin-password", ADMIN_PASSWORD)
    from bench.load.loader import load

    loaded = load(url, scale.members, scale.days, progress=log)
    log(f"loaded: {loaded}")
    return loaded


def data_size(url: str) -> dict[str, Any]:
    with psycopg.connect(plain(url)) as conn:
        counts = {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("users", "step_records", "coin_transactions", "orders")
        }
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        counts["size_on_disk"] = size.fetchone()[0]
    return counts


def member_emails(url: str, count: int) -> list[str]:
    with psycopg.connect(plain(url)) as conn:
        # The richest members: their orders never run out of coins during a run.
        rows = conn.execute(
            "SELECT u.email FROM users u JOIN wallets w ON w.user_id = u.id "
            "WHERE u.email LIKE '%%@load.fitkart.example' AND u.status = 'active' "
            "ORDER BY w.available_coins DESC, u.id LIMIT %s",
            (count,),
        ).fetchall()
    return [row[0] for row in rows]


def _csrf(html: str) -> str:
    token = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert token, "no CSRF token on the page"
    return token.group(1)


def web_cookie(base: str, email: str, password: str, second_factor: str | None = None) -> str:
    """A signed-in browser's cookies; admins also pass their second factor."""
    session = requests.Session()
    answer = session.post(
        base + "/login",
        data={
            "email": email,
            "password": password,
            "csrf_token": _csrf(session.get(base + "/login", timeout=10).text),
        },
        timeout=10,
        allow_redirects=False,
    )
    assert answer.status_code == 302, f"web sign-in for {email} failed: {answer.status_code}"
    if second_factor is not None:
        page = session.get(base + "/account/second-factor", timeout=10)
        answer = session.post(
            base + "/account/second-factor",
            data={"code": second_factor, "csrf_token": _csrf(page.text)},
            timeout=10,
            allow_redirects=False,
        )
        assert answer.status_code == 302, f"second factor for {email}: {answer.status_code}"
    return "; ".join(f"{name}={value}" for name, value in session.cookies.items())


def admin_totp_code(url: str) -> str:
    """The development admin's current code (`flask seed initial` enrolled it)."""
    env = {**os.environ, "FITKART_ENV": "development", "DATABASE_URL": url, "FLASK_APP": "wsgi"}
    printed = subprocess.run(
        [str(VENV_BIN / "flask"), "users", "totp-code", ADMIN_EMAIL],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return printed.strip().splitlines()[-1]


def write_inputs(folder: Path, base: str, url: str, clients: int) -> None:
    emails = member_emails(url, max(clients, 8))
    tokens = []
    for email in emails:
        answer = requests.post(
            base + "/api/v1/auth/login",
            json={"email": email, "password": DEMO_PASSWORD},
            timeout=30,
        )
        answer.raise_for_status()
        tokens.append(answer.json()["access_token"])
    cookies = [web_cookie(base, email, DEMO_PASSWORD) for email in emails[:8]]
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    days = [str(yesterday - timedelta(days=n)) for n in range(7)]
    with psycopg.connect(plain(url)) as conn:
        product = conn.execute(
            "SELECT id FROM reward_products WHERE is_active ORDER BY coin_price LIMIT 1"
        ).fetchone()[0]
        # Orders must not run out of stock or coins during the run.
        conn.execute(
            "UPDATE reward_products SET stock_quantity = 1000000 WHERE id = %s", (product,)
        )
    (folder / "tokens.txt").write_text("\n".join(tokens) + "\n")
    (folder / "emails.txt").write_text("\n".join(emails) + "\n")
    (folder / "cookies.txt").write_text("\n".join(cookies) + "\n")
    (folder / "days.txt").write_text("\n".join(days) + "\n")
    (folder / "product.txt").write_text(f"{product}\n")
    admin = web_cookie(base, ADMIN_EMAIL, ADMIN_PASSWORD, second_factor=admin_totp_code(url))
    (folder / "admin_cookie.txt").write_text(admin + "\n")


def run_wrk(wrk: str, base: str, operation: str, clients: int, seconds: int, inputs: Path) -> dict:
    folder = inputs
    if operation in ADMIN_OPERATIONS:
        folder = inputs / "admin"
        folder.mkdir(exist_ok=True)
        (folder / "cookies.txt").write_text((inputs / "admin_cookie.txt").read_text())
    command = [
        wrk,
        f"-t{clients}",
        f"-c{clients}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(Path(__file__).with_name("wrk.lua")),
        base,
        "--",
        operation,
        str(folder),
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    summary = [line for line in output.splitlines() if line.startswith("{")]
    if not summary:
        raise SystemExit(f"wrk printed no summary for {operation}:\n{output}")
    return json.loads(summary[-1])


def bcrypt_ms(rounds: int, tries: int = 5) -> float:
    hashed = bcrypt.hashpw(DEMO_PASSWORD.encode(), bcrypt.gensalt(rounds))
    timings = []
    for _ in range(tries):
        started = time.perf_counter()
        bcrypt.checkpw(DEMO_PASSWORD.encode(), hashed)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main(argv: list[str] | None = None) -> Report:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="tiny")
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded database")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: the config's)")
    parser.add_argument("--skip-jobs", action="store_true", help="do not run the nightly jobs")
    parser.add_argument("--operations", nargs="*", choices=OPERATIONS, default=list(OPERATIONS))
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    scale = SCALES[args.scale]
    wrk = ensure_wrk()
    url = database_url(args.scale)
    loaded = load_data(url, scale, args.reuse)
    jobs: list[dict[str, Any]] = []
    if not args.skip_jobs:
        from bench.load.jobs_at_scale import time_jobs  # imports the app

        jobs = time_jobs(url, args.out / "explain", f"{date.today():%Y-%m-%d}-{args.scale}")
        for row in jobs:
            log(f"job {row['job']}: {row['seconds']} s, {row['outcome']}")
    with psycopg.connect(plain(url), autocommit=True) as conn:
        conn.execute("ANALYZE")  # what the jobs rewrote, before anything is timed
    from bench.load.sql_replay import REPLAY_SECRET_KEY, replay_ms  # imports the app

    run_folder = Path(tempfile.mkdtemp(prefix="fitkart-bench-"))
    server = serve(
        url,
        run_folder / "gunicorn.log",
        workers=args.workers,
        # The tokens and cookies the SQL replay sends were signed with this key.
        SECRET_KEY=REPLAY_SECRET_KEY,
        RATELIMIT_ENABLED="false",  # one machine plays every member
        # Production runs with Redis (README): the caches and snapshots it serves are part
        # of what is measured; a prefix of this run's own keeps earlier runs' entries out.
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5"),
        CACHE_PREFIX=f"fitkart:bench:{args.scale}:{time.time_ns()}:",
        SESSION_COOKIE_SECURE="false",
        LOG_LEVEL="WARNING",
    )
    report = Report(
        scale=args.scale,
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        commit=subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        machine={
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "system": platform.platform(),
            "workers": args.workers or (os.cpu_count() or 1) * 2 + 1,
            # Figures from a busy machine are not comparable: the load says how busy it was.
            "load_average_at_start": round(os.getloadavg()[0], 2),
        },
        data=data_size(url),
        loader=loaded,
        jobs=jobs,
    )
    # The cost the served app checks passwords at: its default (app/config.py) unless set.
    rounds = int(os.environ.get("BCRYPT_ROUNDS", "10"))
    try:
        with tempfile.TemporaryDirectory(prefix="fitkart-bench-inputs-") as folder:
            inputs = Path(folder)
            write_inputs(inputs, server.base, url, max(scale.clients))
            replays = replay_ms(url, inputs, args.operations)
            for clients in scale.clients:
                healthz = run_wrk(wrk, server.base, "healthz", clients, scale.seconds, inputs)
                for operation in args.operations:
                    result = run_wrk(wrk, server.base, operation, clients, scale.seconds, inputs)
                    measurement = Measurement(
                        operation=operation,
                        clients=clients,
                        rps=result["rps"],
                        p50_ms=result["p50_ms"],
                        p95_ms=result["p95_ms"],
                        p99_ms=result["p99_ms"],
                        max_ms=result["max_ms"],
                        requests=result["requests"],
                        errors=result["socket_errors"] + result["non_2xx"] + result["timeouts"],
                        healthz_rps=healthz["rps"],
                        sql_replay_ms=replays.get(operation),
                        bcrypt_ms=bcrypt_ms(rounds) if operation == "login" else None,
                        target_ms=SEED_TARGET_MS[operation],
                    )
                    report.measurements.append(measurement)
                    log(
                        f"{operation:<13} {clients:>2} clients: {measurement.rps:8.1f} rps  "
                        f"p50 {measurement.p50_ms:7.2f}  p99 {measurement.p99_ms:7.2f} ms  "
                        f"errors {measurement.errors}"
                    )
    finally:
        server.stop()
        shutil.rmtree(run_folder, ignore_errors=True)
    report.machine["load_average_at_end"] = round(os.getloadavg()[0], 2)
    write_report(report, args.out)
    return report


def write_report(report: Report, folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{date.today():%Y-%m-%d}-{report.scale}"
    as_json = folder / f"{stem}.json"
    data = asdict(report)
    for row, measurement in zip(data["measurements"], report.measurements, strict=True):
        row["vs_healthz"] = round(measurement.vs_healthz, 3)
    as_json.write_text(json.dumps(data, indent=2) + "\n")
    as_markdown = folder / f"{stem}.md"
    as_markdown.write_text(markdown(report))
    log(f"wrote {as_json} and {as_markdown.name}")
    return as_json, as_markdown


def markdown(report: Report) -> str:
    data = report.data
    lines = [
        f"# Load harness, scale `{report.scale}`",
        "",
        f"{report.started_at}, commit `{report.commit}`, {report.machine['cores']} cores, "
        f"{report.machine['workers']} gunicorn workers, load average "
        f"{report.machine['load_average_at_start']} at the start and "
        f"{report.machine.get('load_average_at_end', '?')} at the end, {data['users']:,} members, "
        f"{data['step_records']:,} step records, {data['coin_transactions']:,} ledger rows, "
        f"{data['size_on_disk']} on disk.",
        "",
        "| operation | clients | rps | x /healthz rps | p50 ms | p95 ms | p99 ms | seed target "
        "ms | SQL alone ms | bcrypt alone ms | errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for m in report.measurements:
        sql = f"{m.sql_replay_ms:.2f}" if m.sql_replay_ms is not None else "-"
        cost = f"{m.bcrypt_ms:.1f}" if m.bcrypt_ms is not None else "-"
        lines.append(
            f"| {m.operation} | {m.clients} | {m.rps:.1f} | {m.vs_healthz:.2f} | {m.p50_ms:.2f} "
            f"| {m.p95_ms:.2f} | {m.p99_ms:.2f} | {m.target_ms} | {sql} | {cost} | {m.errors} |"
        )
    if report.jobs:
        lines += [
            "",
            "Nightly jobs over this data (plans of their slowest statements in `explain/`):",
            "",
            "| job | seconds | outcome | statements | slowest statements ms |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {j['job']} | {j['seconds']} | {j['outcome']} | {j['statements']} | "
            f"{', '.join(f'{ms:.0f}' for ms in j['slowest_ms'])} |"
            for j in report.jobs
        ]
    if report.loader:
        phases = ", ".join(
            f"{name.removesuffix('_seconds')} {value} s"
            for name, value in report.loader.items()
            if name.endswith("_seconds") and name not in ("total_seconds", "index_seconds")
        )
        lines += [
            "",
            f"Loaded by this run in {report.loader['total_seconds']} s ({phases}); "
            f"{report.loader['ledger_rows']:,} ledger rows, {report.loader['orders']:,} orders, "
            f"{report.loader.get('achievements_unlocked', 0):,} achievements unlocked.",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
