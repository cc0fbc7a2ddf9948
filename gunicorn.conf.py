"""gunicorn settings for FitKart in production.

`make serve` runs `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be set from the environment; README "Running it in production" explains them.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile

import gunicorn.http.wsgi

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Threaded workers: 2 x cores + 1 processes keep the CPU busy while some requests wait on
# PostgreSQL; each has GUNICORN_THREADS threads, one per request in flight. A live-update
# stream (server-sent events, /events) holds its thread for minutes, so each process takes
# at most LIVE_MAX_STREAMS of them (default: threads - 16) and answers more with 503 +
# Retry-After: the other threads always stay free for ordinary requests.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "64"))
_live_streams = int(os.environ.get("LIVE_MAX_STREAMS", max(threads - 16, 1)))
if _live_streams >= threads:
    raise RuntimeError(
        f"LIVE_MAX_STREAMS ({_live_streams}) must stay below GUNICORN_THREADS ({threads}): "
        "streams would take every thread and ordinary requests would wait."
    )
# Open connections a process keeps (streams, keep-alive) beyond the threads at work.
worker_connections = max(1000, threads * 4)
# gthread: the worker's heartbeat, not a per-request limit (a stream outlives it safely).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
# No preload: the app (its database pool, and the scheduler when enabled) is built in each
# worker after the fork, so no connection or scheduler thread is shared between processes.
preload_app = False
# The app writes one JSON line per request itself (with user and request id); gunicorn's
# access log would only repeat it without them.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Scheme and client address come from the app's ProxyFix (TRUSTED_PROXIES), never from
# gunicorn's own trust of X-Forwarded-Proto from 127.0.0.1.
secure_scheme_headers: dict[str, str] = {}
forwarded_allow_ips = ""
# Say nothing about the server software in responses.
gunicorn.http.wsgi.SERVER = "FitKart"

# Prometheus: each worker writes its counters here, /metrics adds them up across workers.
_metrics_dir = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="fitkart-metrics-")
)


def on_starting(server: object) -> None:
    # Counters of a previous run would be added to this one's.
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    os.makedirs(_metrics_dir, exist_ok=True)


def child_exit(server: object, worker: object) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]


def post_worker_init(worker: object) -> None:
    # A stopping worker (deploy, max_requests, a crash of the arbiter) ends its live streams
    # at once: otherwise each would hold the shutdown for the whole graceful_timeout.
    import threading
    import time

    from app.core.live_events import end_all_streams

    def end_streams_when_stopping() -> None:
        while worker.alive:  # type: ignore[attr-defined]
            time.sleep(0.5)
        end_all_streams()

    threading.Thread(target=end_streams_when_stopping, name="live-streams", daemon=True).start()
