"""Redis as a read cache for what is read far more often than it changes (leaderboards).

Values are JSON, grouped in namespaces. A namespace has a generation number in Redis;
every key embeds it, so `invalidate(namespace)` drops the whole namespace at once (one
INCR, no key scan) and old entries simply expire. Invalidation is asked for inside the
transaction that changes the data and done when it commits, so no reader can cache the
old value after the change is visible. Entries also expire after `ttl` seconds, a safety
net for a change made outside the application.

Without REDIS_URL, or when Redis is down, every read goes to the database: the cache makes
reads faster, never possible.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, has_app_context
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, scoped_session

logger = logging.getLogger("app.cache")

# CACHE_PREFIX in the config: apps sharing one Redis (tests, staging) keep apart.
DEFAULT_PREFIX = "fitkart:cache:"
DEFAULT_TTL = 300
# Do not wait for a Redis that does not answer: the database is right there.
TIMEOUT_SECONDS = 0.05
T = TypeVar("T")
_PENDING = "cache_invalidate"


def _client() -> Redis | None:
    if not has_app_context():
        return None
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    clients = current_app.extensions.setdefault("fitkart_cache", {})
    if url not in clients:
        clients[url] = Redis.from_url(
            url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
        )
    return clients[url]


def _prefix() -> str:
    return current_app.config.get("CACHE_PREFIX") or DEFAULT_PREFIX


def _generation(redis: Redis, namespace: str) -> int:
    return int(redis.get(f"{_prefix()}{namespace}:generation") or 0)


def cached(
    namespace: str,
    key: str,
    load: Callable[[], T],
    *,
    dump: Callable[[T], Any] = lambda value: value,
    restore: Callable[[Any], T] = lambda value: value,
    ttl: int = DEFAULT_TTL,
) -> T:
    """`load()`'s value, from Redis when it holds it. `dump` turns the value into JSON-able
    data, `restore` turns that back."""
    redis = _client()
    if redis is None:
        return load()
    try:
        full_key = f"{_prefix()}{namespace}:{_generation(redis, namespace)}:{key}"
        hit = redis.get(full_key)
    except RedisError as error:
        logger.warning("cache read failed, reading the database: %s", error)
        return load()
    if hit is not None:
        return restore(json.loads(hit))
    value = load()
    try:
        redis.set(full_key, json.dumps(dump(value), separators=(",", ":")), ex=ttl)
    except RedisError as error:
        logger.warning("cache write failed: %s", error)
    return value


def invalidate(namespace: str, session: Session | scoped_session | None = None) -> None:
    """Drop every entry of `namespace` when `session` commits (at once without one)."""
    if isinstance(session, scoped_session):
        session = session()
    if isinstance(session, Session) and session.in_transaction():
        session.info.setdefault(_PENDING, set()).add(namespace)
        return
    _bump(namespace)


def _bump(namespace: str) -> None:
    redis = _client()
    if redis is None:
        return
    try:
        redis.incr(f"{_prefix()}{namespace}:generation")
    except RedisError as error:
        # Entries expire after their ttl: stale for a few minutes at worst.
        logger.warning("cache invalidation of %s failed: %s", namespace, error)


# table name -> namespaces that any write to it drops
_WATCHED: dict[str, set[str]] = {}


def invalidate_on_write(namespace: str, *tables: str) -> None:
    """Drop `namespace` whenever a transaction that wrote to one of `tables` commits,
    whether through the unit of work or a bulk UPDATE/INSERT/DELETE statement."""
    for table in tables:
        _WATCHED.setdefault(table, set()).add(namespace)


def _namespaces_of(table: object) -> set[str]:
    return _WATCHED.get(getattr(table, "name", ""), set())


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: object) -> None:
    for row in (*session.new, *session.dirty, *session.deleted):
        for namespace in _namespaces_of(getattr(row, "__table__", None)):
            invalidate(namespace, session)


@event.listens_for(Session, "do_orm_execute")
def _bulk_write(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        for namespace in _namespaces_of(getattr(state.statement, "table", None)):
            invalidate(namespace, state.session)


@event.listens_for(Session, "after_commit")
def _invalidate_committed(session: Session) -> None:
    for namespace in session.info.pop(_PENDING, ()):
        _bump(namespace)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)
