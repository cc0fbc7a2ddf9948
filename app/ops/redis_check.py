"""Rate limits are only as shared as their store: warn when production keeps them per process."""

from __future__ import annotations

import logging

from flask import Flask

logger = logging.getLogger("app.ops")


def warn_when_limits_are_per_process(app: Flask) -> None:
    if app.config.get("ENV_NAME") != "production":
        return
    if str(app.config.get("RATELIMIT_STORAGE_URI", "memory://")).startswith("memory://"):
        logger.warning(
            "REDIS_URL is not set: rate limits are counted per process, so N gunicorn "
            "workers allow N times each limit. Production needs REDIS_URL."
        )
