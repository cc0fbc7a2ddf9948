"""Ceiling (b): the SQL an operation issues, replayed from plain psycopg without the web stack.

Each operation is run once in-process (the Flask test client on the bench database, with the
same inputs wrk sends) while a SQLAlchemy listener records every statement and its
parameters; the recording is then replayed in a transaction that is rolled back, so writes
cost what they cost and change nothing. The median of the replays is the ceiling: what the
operation would take if Python, Flask, the ORM and HTTP cost nothing.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest.mock import patch

import psycopg
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from app import create_app
from app.config import TestingConfig
from app.extensions import db

REPLAYS = 15
# The served app signs the bench's tokens and cookies with this key; the replay accepts them.
REPLAY_SECRET_KEY = "bench-secret-key-not-for-production"
Statement = tuple[str, Any]


def bench_app(url: str) -> Flask:
    config = type(
        "ReplayConfig",
        (TestingConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": REPLAY_SECRET_KEY,
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
        },
    )
    return create_app(config)


@contextmanager
def recording(app: Flask) -> Iterator[list[Statement]]:
    """Record the statements; commits only flush, and the request's teardown rolls back, so
    the recorded request changes nothing and its writes replay against the same rows."""
    statements: list[Statement] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append((statement, parameters))

    with app.app_context():
        engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            with patch.object(Session, "commit", Session.flush):
                yield statements
        finally:
            event.remove(engine, "before_cursor_execute", record)


def _first(inputs: Path, name: str) -> str:
    return (inputs / name).read_text().split("\n", 1)[0]


def _sync_body(inputs: Path, round_: int) -> dict[str, Any]:
    days = [line for line in (inputs / "days.txt").read_text().splitlines() if line]
    return {
        "device_id": "bench-phone",
        "records": [
            {"date": day, "steps": 4000 + (round_ * 37 + i * 11) % 9000, "source": "google_fit"}
            for i, day in enumerate(days)
        ],
    }


def run_operation(client: FlaskClient, operation: str, inputs: Path, round_: int) -> None:
    bearer = {"Authorization": "Bearer " + _first(inputs, "tokens.txt")}
    product = int(_first(inputs, "product.txt"))
    if operation == "sync":
        client.post("/api/v1/steps/sync", json=_sync_body(inputs, round_), headers=bearer)
    elif operation == "balance":
        client.get("/api/v1/wallet", headers=bearer)
    elif operation == "transactions":
        client.get("/api/v1/wallet/transactions?limit=20", headers=bearer)
    elif operation == "leaderboard":
        client.get("/api/v1/leaderboard?period=weekly&limit=100", headers=bearer)
    elif operation == "login":
        email = _first(inputs, "emails.txt")
        client.post("/api/v1/auth/login", json={"email": email, "password": "fitkart-demo"})
    elif operation == "order":
        placed = client.post(
            "/api/v1/orders",
            json={
                "items": [{"product_id": product, "quantity": 1}],
                "shipping_address": {"line1": "Main St 1", "city": "Berlin", "country": "DE"},
            },
            headers=bearer,
        )
        code = placed.get_json()["order_code"]
        client.post(f"/api/v1/orders/{code}/cancel", headers=bearer)
    else:
        path = {
            "dashboard": "/dashboard",
            "wallet_page": "/wallet",
            "admin_fraud": "/admin/fraud",
            "admin_overview": "/admin",
        }
        admin = operation in ("admin_fraud", "admin_overview")
        cookie = _first(inputs, "admin_cookie.txt" if admin else "cookies.txt")
        # Into the client's own jar: the test client ignores a hand-set Cookie header.
        for pair in cookie.split("; "):
            name, _, value = pair.partition("=")
            client.set_cookie(name, value)
        answer = client.get(path[operation])
        assert answer.status_code == 200, f"{operation} replay: {answer.status_code}"


def capture(app: Flask, operation: str, inputs: Path) -> list[Statement]:
    client = app.test_client()
    with recording(app):
        run_operation(client, operation, inputs, 1)  # warms caches (settings, compiled SQL)
    with recording(app) as statements:
        run_operation(client, operation, inputs, 2)
    return statements


def _run(cursor: psycopg.Cursor, statement: str, parameters: Any) -> None:
    if isinstance(parameters, list):
        cursor.executemany(statement, parameters)
    else:
        cursor.execute(statement, parameters)
    if cursor.description is not None:
        cursor.fetchall()


def _replay_once(conn: psycopg.Connection, statements: list[Statement], savepoints: bool) -> float:
    started = time.perf_counter()
    with conn.cursor() as cursor:
        for statement, parameters in statements:
            if not savepoints:
                _run(cursor, statement, parameters)
                continue
            try:
                with conn.transaction():
                    _run(cursor, statement, parameters)
            except psycopg.Error:
                pass  # counted by the exact replay that failed first
    conn.rollback()
    return (time.perf_counter() - started) * 1000


def replay(url: str, statements: list[Statement]) -> tuple[float, bool]:
    """Median ms of the replays, and whether they ran exactly as recorded.

    Generated ids differ on a replay (an order's items point at the recorded order id); where
    a statement fails, every statement runs in its own savepoint and a failing one is skipped,
    so that figure is approximate (savepoints add a little, skipped writes take a little).
    """
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        try:
            _replay_once(conn, statements, savepoints=False)
            exact = True
        except psycopg.Error:
            conn.rollback()
            exact = False
        timings = [_replay_once(conn, statements, not exact) for _ in range(REPLAYS)]
    return statistics.median(timings), exact


def replay_ms(url: str, inputs: Path, operations: list[str]) -> dict[str, float]:
    """Median replay time (ms) of one request of each operation (order: create + cancel / 2)."""
    app = bench_app(url)
    results = {}
    for operation in operations:
        statements = capture(app, operation, inputs)
        per_request, exact = replay(url, statements)
        results[operation] = per_request / 2 if operation == "order" else per_request
        if not exact:
            print(f"  SQL replay of {operation} is approximate: generated ids differ")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return results
