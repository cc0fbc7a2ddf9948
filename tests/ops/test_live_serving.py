"""The serving model: gthread workers hold live streams in threads of their own, so 200 open
streams leave ordinary requests answered (served exactly as production, by gunicorn)."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import pytest

from app.extensions import db
from bench.load.served import serve
from tests.fixtures.factories import PASSWORD

STREAMS = 200


def _open_stream(port: int, token: str) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", port), timeout=10)
    connection.sendall(
        (
            "GET /api/v1/events HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {token}\r\n"
            "Accept: text/event-stream\r\n\r\n"
        ).encode()
    )
    return connection


def _read_until(connection: socket.socket, marker: bytes) -> bytes:
    seen = b""
    while marker not in seen:
        chunk = connection.recv(4096)
        if not chunk:
            raise AssertionError(f"stream closed before {marker!r}: {seen!r}")
        seen += chunk
    return seen


def test_two_hundred_open_streams_do_not_block_ordinary_requests(member, database_uri, tmp_path):
    email = member.email
    db.session.commit()  # the served workers write to this database too
    server = serve(
        database_uri,
        tmp_path / "gunicorn.log",
        workers=2,
        # Either worker may accept every stream: each has room for all of them and 20 more.
        GUNICORN_THREADS="240",
        LIVE_MAX_STREAMS="220",
        LIVE_HEARTBEAT_SECONDS="1",
        LIVE_STREAM_SECONDS="60",
    )
    streams: list[socket.socket] = []
    try:
        login = server.request("POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
        assert login.status == 200, login.body
        token = login.json()["access_token"]
        streams = [_open_stream(server.port, token) for _ in range(STREAMS)]
        for connection in streams:
            head = _read_until(connection, b": connected")
            assert head.startswith(b"HTTP/1.1 200"), head[:200]
            assert b"text/event-stream" in head

        timings = []
        for _ in range(20):
            started = time.perf_counter()
            me = server.request(
                "GET", "/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
            )
            timings.append(time.perf_counter() - started)
            assert me.status == 200
            assert server.request("GET", "/healthz", timeout=10).status == 200
        print(f"/api/v1/me beside {STREAMS} streams: max {max(timings) * 1000:.0f} ms")

        # The streams are still open and alive: each gets its heartbeat.
        for connection in streams[:: STREAMS // 10]:
            _read_until(connection, b": heartbeat")

        # Stopping ends every stream at once (the browser reconnects elsewhere), well inside
        # graceful_timeout (30 s): each socket reads to its end within its 10 s timeout.
        os.killpg(server.process.pid, signal.SIGTERM)
        for connection in streams:
            while connection.recv(65536):
                pass
        server.process.wait(timeout=20)
    finally:
        for connection in streams:
            connection.close()
        server.stop()


def test_a_stream_past_the_process_cap_is_told_to_come_back(member, database_uri, tmp_path):
    email = member.email
    db.session.commit()
    server = serve(
        database_uri,
        tmp_path / "gunicorn.log",
        workers=1,
        GUNICORN_THREADS="8",
        LIVE_MAX_STREAMS="2",
        LIVE_STREAM_SECONDS="60",
    )
    streams: list[socket.socket] = []
    try:
        token = server.request(
            "POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD}
        ).json()["access_token"]
        streams = [_open_stream(server.port, token) for _ in range(2)]
        for connection in streams:
            _read_until(connection, b": connected")
        refused = server.request(
            "GET", "/api/v1/events", headers={"Authorization": f"Bearer {token}"}
        )
        assert refused.status == 503
        assert refused.json()["error"]["code"] == "too_many_streams"
        assert int(refused.headers["Retry-After"]) > 0
        assert server.request("GET", "/healthz").status == 200
    finally:
        for connection in streams:
            connection.close()
        server.stop()


def test_threads_must_outnumber_the_stream_cap(tmp_path: Path, database_uri):
    with pytest.raises(RuntimeError, match="LIVE_MAX_STREAMS"):
        serve(database_uri, tmp_path / "g.log", GUNICORN_THREADS="8", LIVE_MAX_STREAMS="8")
