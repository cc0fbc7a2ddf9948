"""Prometheus metrics at /metrics: requests by endpoint, and the numbers of the day's work.

Request counters live in this process, or in PROMETHEUS_MULTIPROC_DIR under gunicorn
(gunicorn.conf.py sets it, so every worker's counts add up in one scrape). Job runs, the
review queue and the wallet drift are read from the database at scrape time: the scheduler
is another process, and the database is where they are true.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from flask import Flask, abort, current_app, g, request
from flask.wrappers import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from app.extensions import db

if TYPE_CHECKING:
    from app.models.admin import JobRun

REQUESTS = Counter(
    "fitkart_http_requests_total",
    "HTTP requests answered, by endpoint and status.",
    ["method", "endpoint", "status"],
)
LATENCY = Histogram(
    "fitkart_http_request_duration_seconds",
    "Time to answer an HTTP request, by endpoint.",
    ["method", "endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def register_request_metrics(app: Flask) -> None:
    @app.before_request
    def start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def count_request(response: Response) -> Response:
        started = g.get("metrics_started")
        endpoint = request.endpoint or "unmatched"  # 404s: never one series per random path
        if started is not None and endpoint != "ops.metrics":
            REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
            LATENCY.labels(request.method, endpoint).observe(time.perf_counter() - started)
        return response


class DatabaseCollector(Collector):
    """Gauges computed from the database on each scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        from app.coins import reconciliation
        from app.fraud import review
        from app.models.admin import JobRun

        queue = GaugeMetricFamily(
            "fitkart_review_queue_size", "Open fraud-review cases (pending or appealed)."
        )
        queue.add_metric([], review.queue_size())
        yield queue

        runs = CounterMetricFamily(
            "fitkart_job_runs", "Nightly job runs recorded in job_runs.", labels=["job", "outcome"]
        )
        for job, outcome, count in db.session.execute(
            select(JobRun.job_name, JobRun.outcome, func.count()).group_by(
                JobRun.job_name, JobRun.outcome
            )
        ):
            runs.add_metric([job, outcome], count)
        yield runs

        last = GaugeMetricFamily(
            "fitkart_job_last_duration_seconds",
            "Duration of each job's newest finished run.",
            labels=["job"],
        )
        for job, started, finished in _newest_finished_runs(JobRun):
            last.add_metric([job], (finished - started).total_seconds())
        yield last

        drift = GaugeMetricFamily(
            "fitkart_wallet_drift_wallets",
            "Wallets whose balance disagreed with the ledger at the newest reconciliation.",
        )
        report = reconciliation.latest_drift()
        drift.add_metric([], report.drift_count if report else 0)
        yield drift


def _newest_finished_runs(job_run: type[JobRun]) -> list[tuple[str, datetime, datetime]]:
    newest = (
        select(job_run.job_name, func.max(job_run.id).label("run_id"))
        .where(job_run.finished_at.is_not(None))
        .group_by(job_run.job_name)
        .subquery()
    )
    rows = db.session.execute(
        select(job_run.job_name, job_run.started_at, job_run.finished_at).join(
            newest, job_run.id == newest.c.run_id
        )
    )
    # Each row is its job's newest finished run, so `finished` is never None here.
    return [(job, started, finished) for job, started, finished in rows if finished is not None]


def scrape_allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    header = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    return request.remote_addr in current_app.config.get("METRICS_ALLOW_IPS", [])


def metrics_response() -> Response:
    if not scrape_allowed():
        abort(403, description="Metrics are for the monitoring system: send METRICS_TOKEN.")
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    database = CollectorRegistry()
    database.register(DatabaseCollector())
    body += generate_latest(database)
    return Response(body, content_type=CONTENT_TYPE_LATEST)
