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
# Sync workers: each request holds one worker; the usual 2 x cores + 1 keeps the CPU busy
# while some workers wait on PostgreSQL.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
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
