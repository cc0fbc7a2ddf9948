"""Work done after the answer has gone: a small thread pool per app (outgoing mail).

A task runs in its own app context (so its own database session). Pending tasks finish
before the process exits (concurrent.futures joins its threads at exit). `drain()` waits
for everything submitted so far and re-raises a failure: tests call it (through
`mail.outbox()`) to read what was sent deterministically.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app

from app.extensions import db

_EXTENSION_KEY = "fitkart_background"
_CREATE_LOCK = threading.Lock()
WORKERS = 2


@dataclass
class _Pool:
    executor: ThreadPoolExecutor
    pending: set[Future[Any]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _pool(app: Flask) -> _Pool:
    with _CREATE_LOCK:
        pool = app.extensions.get(_EXTENSION_KEY)
        if pool is None:
            pool = _Pool(ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="fitkart-bg"))
            app.extensions[_EXTENSION_KEY] = pool
        return pool


def submit(task: Callable[..., Any], *args: Any) -> Future[Any]:
    """Run `task(*args)` in the background, inside an app context of the current app."""
    # current_app is typed as the Flask app; the proxy's own unwrap method is not.
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    pool = _pool(app)

    def run() -> Any:
        with app.app_context():
            try:
                return task(*args)
            except Exception:
                app.logger.exception("background task %s failed", task.__name__)
                raise

    future = pool.executor.submit(run)
    with pool.lock:
        pool.pending.add(future)

    def forget(done: Future[Any]) -> None:
        # A failed task stays pending so drain() can report it.
        if done.exception() is None:
            with pool.lock:
                pool.pending.discard(done)

    future.add_done_callback(forget)
    return future


def drain(app: Flask | None = None) -> None:
    """Wait for every task submitted so far; re-raise the first that failed."""
    # current_app is typed as the Flask app; the proxy's own unwrap method is not.
    target: Flask = app or current_app._get_current_object()  # type: ignore[attr-defined]
    pool = target.extensions.get(_EXTENSION_KEY)
    if pool is None:
        return
    # Let go of this thread's transaction first: a task may wait for its lock (SQLite).
    db.session.commit()
    with pool.lock:
        waiting = list(pool.pending)
        pool.pending.difference_update(waiting)
    for future in waiting:
        future.result()
