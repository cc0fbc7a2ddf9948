"""Health checks for load balancers, and the metrics scrape.

/healthz: the process answers (liveness; touches nothing, so a slow database never gets
a healthy worker killed). /readyz: this process can serve (database reachable, Redis
reachable when configured, the schema at the newest migration), else 503 with what failed.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from flask.wrappers import Response
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from app.config import PROJECT_ROOT
from app.extensions import db, limiter
from app.ops.metrics import metrics_response

bp = Blueprint("ops", __name__)
logger = logging.getLogger("app.ops")


def plain_http_allowed(view: Callable[..., Any]) -> Callable[..., Any]:
    """Load balancers and Prometheus call these over plain HTTP inside the network: no
    HTTPS redirect (flask-talisman reads its per-view options from this attribute)."""
    # flask-talisman reads this attribute off the view function (its per-view options).
    view.talisman_view_options = {"force_https": False}  # type: ignore[attr-defined]
    return view


@bp.get("/healthz")
@limiter.exempt
@plain_http_allowed
def healthz() -> Response:
    return jsonify({"status": "ok"})


@bp.get("/readyz")
@limiter.exempt
@plain_http_allowed
def readyz() -> tuple[Response, int]:
    checks = {"database": _database_check(), "migrations": "skipped", "redis": "not configured"}
    if checks["database"] == "ok":
        checks["migrations"] = _migrations_check()
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _redis_check(current_app.config["REDIS_URL"])
    ready = all(value in ("ok", "not configured") for value in checks.values())
    if not ready:
        logger.warning("not ready: %s", checks)
    return jsonify({"status": "ready" if ready else "not ready", "checks": checks}), (
        200 if ready else 503
    )


@bp.get("/metrics")
@limiter.exempt
@plain_http_allowed
def metrics() -> Response:
    return metrics_response()


def _database_check() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except SQLAlchemyError as exc:
        db.session.rollback()
        # Only driver errors carry `orig`; a pool timeout is a SQLAlchemyError without one.
        cause = exc.orig if isinstance(exc, DBAPIError) else None
        return f"unreachable: {type(cause or exc).__name__}"


def _migrations_check() -> str:
    try:
        current = set(db.session.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except SQLAlchemyError:
        db.session.rollback()
        return "not migrated: run `flask db upgrade`"
    missing = migration_heads() - current
    return "ok" if not missing else f"behind: run `flask db upgrade` (head {', '.join(missing)})"


@functools.cache
def migration_heads() -> frozenset[str]:
    config = AlembicConfig()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def _redis_check(url: str) -> str:
    client = Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        client.ping()
        return "ok"
    except RedisError as exc:
        return f"unreachable: {type(exc).__name__}"
    finally:
        client.close()
