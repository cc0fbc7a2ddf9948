"""Request ids, one JSON log line per request, and the Prometheus scrape."""

from __future__ import annotations

import io
import json
import logging

from flask import Flask

from app.extensions import db
from app.models.admin import JobRun
from app.ops.logs import REQUEST_ID_HEADER, json_handler


def test_an_incoming_request_id_is_kept_and_returned(client):
    response = client.get("/healthz", headers={REQUEST_ID_HEADER: "lb-7f3a.42"})
    assert response.headers[REQUEST_ID_HEADER] == "lb-7f3a.42"


def test_a_request_id_is_made_when_none_or_an_unsafe_one_comes(client):
    made = client.get("/healthz").headers[REQUEST_ID_HEADER]
    unsafe = client.get("/healthz", headers={REQUEST_ID_HEADER: "<script>alert(1)</script>"})
    assert len(made) == 32 and made != unsafe.headers[REQUEST_ID_HEADER]
    assert "script" not in unsafe.headers[REQUEST_ID_HEADER]


def test_json_logs_write_one_line_per_request(make_app, caplog):
    client = make_app(LOG_FORMAT="json").test_client()
    with caplog.at_level(logging.INFO, logger="app.request"):
        client.get("/healthz", headers={REQUEST_ID_HEADER: "req-1"})
    (line,) = [r for r in caplog.records if r.name == "app.request"]
    assert (line.method, line.path, line.status, line.endpoint) == (
        "GET",
        "/healthz",
        200,
        "ops.healthz",
    )
    assert line.duration_ms >= 0 and line.user_id is None


def test_json_log_lines_carry_the_request_id_errors_included(app: Flask):
    stream = io.StringIO()
    handler = json_handler(stream)
    logger = logging.getLogger("test.ops.json")
    logger.addHandler(handler)
    try:
        with app.test_request_context("/"):
            from flask import g

            g.request_id = "req-42"
            try:
                raise ValueError("boom")
            except ValueError:
                logger.exception("it broke")
    finally:
        logger.removeHandler(handler)
    entry = json.loads(stream.getvalue())
    assert entry["request_id"] == "req-42"
    assert entry["message"] == "it broke" and entry["level"] == "ERROR"
    assert "ValueError: boom" in entry["exc_info"]


def test_metrics_are_refused_to_the_public(make_app):
    client = make_app(METRICS_TOKEN="s3cret-scrape", METRICS_ALLOW_IPS=[]).test_client()
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403


def test_metrics_report_requests_jobs_queue_and_drift(make_app):
    db.session.add(
        JobRun(
            job_name="leaderboards",
            outcome="success",
            trigger="manual",
            started_at=_ago(5),
            finished_at=_ago(3),
        )
    )
    db.session.commit()
    client = make_app(METRICS_TOKEN="s3cret-scrape").test_client()
    client.get("/healthz")
    body = client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape"}).text
    assert 'fitkart_http_requests_total{endpoint="ops.healthz",method="GET",status="200"}' in body
    assert "fitkart_http_request_duration_seconds_bucket" in body
    assert 'fitkart_job_runs_total{job="leaderboards",outcome="success"} 1.0' in body
    assert 'fitkart_job_last_duration_seconds{job="leaderboards"} 2.0' in body
    assert "fitkart_review_queue_size 0.0" in body
    assert "fitkart_wallet_drift_wallets 0.0" in body


def test_metrics_from_an_allowed_address(make_app):
    client = make_app(METRICS_ALLOW_IPS=["127.0.0.1"]).test_client()
    assert client.get("/metrics").status_code == 200


def _ago(seconds: int):
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC) - timedelta(seconds=seconds)
