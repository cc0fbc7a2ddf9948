"""Running FitKart in production: proxy headers, request ids and JSON logs, health checks,
Prometheus metrics, and a 503 (not a 500) while the database is away.

`init_ops(app)` wires all of it; the `ops` blueprint serves /healthz, /readyz and /metrics.
"""

from __future__ import annotations

from flask import Flask

from app.ops.health import bp
from app.ops.logs import configure_logging, register_request_logging
from app.ops.metrics import register_request_metrics
from app.ops.outage import register_outage_handler
from app.ops.proxy import trust_proxy_headers
from app.ops.redis_check import warn_when_limits_are_per_process

__all__ = ["bp", "init_ops"]


def init_ops(app: Flask) -> None:
    configure_logging(app)
    trust_proxy_headers(app)
    register_request_logging(app)
    register_request_metrics(app)
    register_outage_handler(app)
    warn_when_limits_are_per_process(app)
    app.register_blueprint(bp)
