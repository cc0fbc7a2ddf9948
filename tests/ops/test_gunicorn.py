"""`make serve`: gunicorn with the production settings, behind a proxy, with shared limits."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from redis import Redis

from bench.load.served import Served, serve

REDIS = "redis://127.0.0.1:6379/2"


@pytest.fixture
def served(app, database_uri: str, tmp_path: Path) -> Iterator[Callable[..., Served]]:
    started: list[Served] = []
    Redis.from_url(REDIS).flushdb()

    def start(**settings: str) -> Served:
        log = tmp_path / f"gunicorn-{len(started)}.log"
        server = serve(database_uri, log, **{"BCRYPT_ROUNDS": "4", **settings})
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def _wrong_logins(server: Served, forwarded_for: str, count: int) -> list[int]:
    return [
        server.request(
            "POST",
            "/api/v1/auth/login",
            {"email": f"nobody{n}-{forwarded_for}@example.com", "password": "wrong-pass-1"},
            headers={"X-Forwarded-For": forwarded_for},
        ).status
        for n in range(count)
    ]


def test_behind_a_trusted_proxy_clients_have_separate_limits(served):
    server = served(TRUSTED_PROXIES="1", REDIS_URL=REDIS)
    assert _wrong_logins(server, "203.0.113.1", 11)[-1] == 429
    assert _wrong_logins(server, "198.51.100.7", 1) == [401]


def test_without_trusted_proxies_forwarded_for_changes_nothing(served):
    server = served(TRUSTED_PROXIES="0", REDIS_URL=REDIS)
    # Two workers, one Redis: the limit holds whichever worker answers.
    assert _wrong_logins(server, "203.0.113.1", 11)[-1] == 429
    assert _wrong_logins(server, "198.51.100.7", 1) == [429]


def test_production_answers_carry_request_ids_and_write_json_lines(served):
    server = served(REDIS_URL=REDIS)
    answer = server.request("GET", "/healthz", headers={"X-Request-ID": "probe-1"})
    assert answer.status == 200
    assert answer.headers["X-Request-ID"] == "probe-1"
    assert answer.headers["Server"] == "FitKart"
    lines = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
    (probe,) = [line for line in lines if line.get("request_id") == "probe-1"]
    assert probe["path"] == "/healthz" and probe["status"] == 200 and probe["level"] == "INFO"


def test_metrics_add_up_across_workers(served):
    server = served(REDIS_URL=REDIS, METRICS_TOKEN="scrape-token", WEB_CONCURRENCY="3")
    for _ in range(30):
        assert server.request("GET", "/healthz").status == 200
    scrape = server.request("GET", "/metrics", headers={"Authorization": "Bearer scrape-token"})
    assert scrape.status == 200
    line = next(
        line
        for line in scrape.body.decode().splitlines()
        if line.startswith("fitkart_http_requests_total") and 'endpoint="ops.healthz"' in line
    )
    assert float(line.rsplit(" ", 1)[1]) == 30.0
    assert server.request("GET", "/metrics").status == 403


def test_without_redis_production_warns_that_limits_are_per_process(served):
    server = served()
    assert "REDIS_URL is not set" in server.log()


def test_production_redirects_plain_http_except_the_health_checks(served):
    server = served(REDIS_URL=REDIS, FORCE_HTTPS="true", TRUSTED_PROXIES="1")
    plain = server.request("GET", "/api/v1/products")
    assert plain.status == 302
    assert plain.headers["Location"].startswith("https://")
    assert server.request("GET", "/healthz").status == 200
    assert server.request("GET", "/readyz").status == 200
    behind_tls = server.request("GET", "/login", headers={"X-Forwarded-Proto": "https"})
    assert behind_tls.status == 200
    assert "max-age=" in behind_tls.headers["Strict-Transport-Security"]
