"""Rate limits shared through the Redis on 127.0.0.1:6379 (CI has it too: no skip).

Two apps on one database stand for two gunicorn workers: with Redis their counters are one.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator

import pytest
from redis import Redis

from app.config import PROJECT_ROOT
from app.extensions import limiter

REDIS = "redis://127.0.0.1:6379/1"
# Nothing listens on port 9 (discard) here: a Redis that has gone away.
DEAD_REDIS = "redis://127.0.0.1:9/0"


def _wrong_login(client, n: int) -> int:
    return client.post(
        "/api/v1/auth/login",
        json={"email": f"nobody{n}@example.com", "password": "wrong-pass-1"},
    ).status_code


@pytest.fixture
def redis_settings() -> Iterator[dict[str, object]]:
    # Database 1 belongs to these tests: every test starts with empty counters.
    Redis.from_url(REDIS).flushdb()
    yield {"RATELIMIT_STORAGE_URI": REDIS, "REDIS_URL": REDIS}
    # One limiter object serves every app in this process; a test that killed its storage
    # must not leave the next app on the in-memory fallback.
    limiter._storage_dead = False


WORKER = """
import json, sys
from app import create_app
from tests.conftest import config_for
uri, settings = sys.argv[1], json.loads(sys.argv[2])
client = create_app(config_for(uri, **settings)).test_client()
for n in range(100, 105):
    status = client.post("/api/v1/auth/login",
                         json={"email": f"nobody{n}@example.com", "password": "wrong-pass-1"})
    print(status.status_code)
"""


def test_two_processes_share_one_limit_through_redis(make_app, redis_settings, database_uri):
    """Another process (a second gunicorn worker) spends 5 of the 10 tries a minute."""
    other_worker = subprocess.run(
        [sys.executable, "-c", WORKER, database_uri, json.dumps(redis_settings)],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
    )
    assert other_worker.stdout.split() == ["401"] * 5
    client = make_app(**redis_settings).test_client()
    assert [_wrong_login(client, n) for n in range(6)] == [401] * 5 + [429]
    assert Redis.from_url(REDIS).keys("*login-ip*"), "the counters live in Redis"


def test_redis_gone_fails_open_with_a_log_line(make_app, redis_settings, caplog):
    settings = {**redis_settings, "RATELIMIT_STORAGE_URI": DEAD_REDIS}
    client = make_app(**settings).test_client()
    with caplog.at_level(logging.WARNING):
        statuses = [_wrong_login(client, n) for n in range(3)]
        page = client.get("/login")
    assert statuses == [401, 401, 401]
    assert page.status_code == 200
    assert any("storage unreachable" in record.getMessage() for record in caplog.records)


def test_readiness_reports_redis(make_app, redis_settings):
    ready = make_app(**redis_settings).test_client().get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"]["redis"] == "ok"
    gone = make_app(**{**redis_settings, "REDIS_URL": DEAD_REDIS}).test_client().get("/readyz")
    assert gone.status_code == 503
    assert gone.get_json()["checks"]["redis"].startswith("unreachable")
