"""Live updates: `publish(user_id | ADMINS, event, data)` after commit, streamed as SSE.

An event says "this changed" (a wallet, a day's steps, a notification, an order, a fraud
case); pages refetch what they show, so a lost event costs freshness, never correctness.

Events are held on the session until its transaction commits (a rolled-back transaction
publishes nothing), then handed to the app's bus: in-process queues, or Redis pub/sub when
REDIS_URL is set, so every gunicorn worker and host sees every event.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
import time
import weakref
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from flask import Flask, Response, current_app
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from app.core.db import TRANSACTION_DEPTH
from app.extensions import db

logger = logging.getLogger("app.live")

ADMINS: Literal["admins"] = "admins"
_PENDING = "fitkart_live_events"
_EXTENSION = "fitkart.live_events"
# A subscriber that stops reading (a stalled client) loses events past this, not memory.
QUEUE_LIMIT = 200


@dataclass(frozen=True)
class LiveEvent:
    channel: str  # "user:<id>" or "admins"
    name: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"channel": self.channel, "name": self.name, "data": self.data})

    @classmethod
    def from_json(cls, raw: str | bytes) -> LiveEvent:
        parsed = json.loads(raw)
        return cls(str(parsed["channel"]), str(parsed["name"]), dict(parsed.get("data") or {}))


def channel_for(target: int | str) -> str:
    if target == ADMINS:
        return ADMINS
    if isinstance(target, bool) or not isinstance(target, int):
        raise ValueError(f"An event goes to a member id or to ADMINS, not {target!r}")
    return f"user:{target}"


def publish(target: int | str, name: str, data: dict[str, Any] | None = None) -> None:
    """Send `name` to a member (or to every admin) once the current transaction commits.

    Outside a transaction (a read, such as an admin opening a case) it goes at once.
    """
    live_event = LiveEvent(channel_for(target), name, dict(data or {}))
    session = db.session()
    if session.info.get(TRANSACTION_DEPTH, 0) > 0:
        # Noted with its savepoint, if any: a savepoint rolled back takes its events along.
        savepoint = session.get_nested_transaction()
        session.info.setdefault(_PENDING, []).append((savepoint, live_event))
        return
    bus = current_bus()
    if bus is not None:
        bus.send([live_event])


# Events that carry a whole state: of several in one transaction, only the last matters.
_SNAPSHOT_EVENTS = frozenset({"wallet"})


def _coalesced(events: list[LiveEvent]) -> list[LiveEvent]:
    """A transaction's events in order, with one wallet event per member (its last balance)."""
    latest: dict[tuple[str, str, str], LiveEvent] = {}
    for index, item in enumerate(events):
        snapshot = item.name in _SNAPSHOT_EVENTS
        key = (item.channel, item.name, "" if snapshot else str(index))
        latest.pop(key, None)
        latest[key] = item
    return list(latest.values())


@sa_event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint released: the outer transaction can still roll back
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    bus = current_bus()
    if bus is not None:
        bus.send(_coalesced([item for _, item in pending]))


@sa_event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back_events(session: Session, previous_transaction: Any) -> None:
    """A rolled-back transaction sends nothing; a rolled-back savepoint, none of its own."""
    if _PENDING not in session.info:
        return
    if previous_transaction.parent is None:
        del session.info[_PENDING]
        return
    if not previous_transaction.nested:
        return  # an inner subtransaction: the outer one decides
    session.info[_PENDING] = [
        (savepoint, item)
        for savepoint, item in session.info[_PENDING]
        if not _within(savepoint, previous_transaction)
    ]


def _within(savepoint: Any, rolled_back: Any) -> bool:
    while savepoint is not None:
        if savepoint is rolled_back:
            return True
        savepoint = savepoint.parent
    return False


# --- the bus -------------------------------------------------------------------------------


# Handed to a stream to end it now (its process is stopping).
STREAM_END = LiveEvent("", "stream-end")
_BUSES: weakref.WeakSet[LocalBus] = weakref.WeakSet()


class Subscription:
    """One open stream's inbox."""

    def __init__(self, bus: LocalBus, channels: frozenset[str]) -> None:
        self.bus = bus
        self.channels = channels
        self.inbox: queue.Queue[LiveEvent] = queue.Queue(maxsize=QUEUE_LIMIT)
        self.dropped = 0
        self.ended = threading.Event()

    def end(self) -> None:
        self.ended.set()
        # Wakes a reader waiting on an empty inbox; a full one sees `ended` on its next get.
        with contextlib.suppress(queue.Full):
            self.inbox.put_nowait(STREAM_END)

    def deliver(self, item: LiveEvent) -> None:
        try:
            self.inbox.put_nowait(item)
        except queue.Full:
            self.dropped += 1

    def get(self, timeout: float) -> LiveEvent | None:
        if self.ended.is_set():
            return STREAM_END
        try:
            return self.inbox.get(timeout=max(timeout, 0))
        except queue.Empty:
            return None

    def close(self) -> None:
        self.bus.unsubscribe(self)


class LocalBus:
    """Fan-out to the streams open in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: dict[str, set[Subscription]] = {}
        _BUSES.add(self)

    def end_streams(self) -> None:
        with self._lock:
            everyone = {s for members in self._subscriptions.values() for s in members}
        for subscription in everyone:
            subscription.end()

    def subscribe(self, channels: set[str] | frozenset[str]) -> Subscription:
        subscription = Subscription(self, frozenset(channels))
        with self._lock:
            for channel in subscription.channels:
                self._subscriptions.setdefault(channel, set()).add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            for channel in subscription.channels:
                members = self._subscriptions.get(channel)
                if members is not None:
                    members.discard(subscription)
                    if not members:
                        del self._subscriptions[channel]

    def open_streams(self) -> int:
        with self._lock:
            return len({s for members in self._subscriptions.values() for s in members})

    def send(self, events: list[LiveEvent]) -> None:
        self.dispatch(events)

    def dispatch(self, events: list[LiveEvent]) -> None:
        with self._lock:
            targets = [
                (subscription, item)
                for item in events
                for subscription in self._subscriptions.get(item.channel, ())
            ]
        for subscription, item in targets:
            subscription.deliver(item)

    def stop(self) -> None:
        """Nothing runs in the background of the in-process bus."""


class RedisBus(LocalBus):
    """Publishes to Redis; one listener thread per process fans Redis messages out locally."""

    def __init__(self, url: str, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix
        self._client = Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=2)
        self._listener: threading.Thread | None = None
        self._stopping = threading.Event()
        self._listening = threading.Event()
        self._start_lock = threading.Lock()

    def send(self, events: list[LiveEvent]) -> None:
        try:
            with self._client.pipeline(transaction=False) as pipe:
                for item in events:
                    pipe.publish(self.prefix + item.channel, item.to_json())
                pipe.execute()
        except RedisError:
            # The work is committed; a page misses one live update and catches up on reload.
            logger.warning("live events not published: Redis is unreachable", exc_info=True)

    def subscribe(self, channels: set[str] | frozenset[str]) -> Subscription:
        self._ensure_listener()
        return super().subscribe(channels)

    def _ensure_listener(self) -> None:
        with self._start_lock:
            if self._listener is None or not self._listener.is_alive():
                self._stopping.clear()
                self._listener = threading.Thread(
                    target=self._listen, name="live-events-redis", daemon=True
                )
                self._listener.start()

    def _listen(self) -> None:
        pause = 0.5
        while not self._stopping.is_set():
            try:
                pubsub = self._client.pubsub()
                pubsub.psubscribe(self.prefix + "*")
                pause = 0.5
                try:
                    while not self._stopping.is_set():
                        message = pubsub.get_message(timeout=1.0)
                        if not message:
                            continue
                        if message.get("type") == "psubscribe":
                            self._listening.set()
                        elif message.get("type") == "pmessage":
                            self.dispatch([LiveEvent.from_json(message["data"])])
                finally:
                    self._listening.clear()
                    pubsub.close()
            except (RedisError, OSError, ValueError, KeyError):
                logger.warning("live events: Redis subscription lost, retrying", exc_info=True)
                self._stopping.wait(pause)
                pause = min(pause * 2, 10)

    def wait_until_listening(self, timeout: float = 5) -> bool:
        """True once the listener has subscribed (tests publish only after that)."""
        self._ensure_listener()
        return self._listening.wait(timeout)

    def stop(self) -> None:
        self._stopping.set()
        if self._listener is not None:
            self._listener.join(timeout=3)


def end_all_streams() -> None:
    """A stopping worker ends its streams at once; the browsers reconnect to another."""
    for bus in list(_BUSES):
        bus.end_streams()


def init_live_events(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    prefix = app.config.get("LIVE_EVENTS_CHANNEL_PREFIX", "fitkart:live:")
    bus: LocalBus = RedisBus(url, prefix) if url else LocalBus()
    app.extensions[_EXTENSION] = bus
    app.extensions["fitkart.live_streams"] = StreamCounter(
        int(app.config.get("LIVE_MAX_STREAMS", 48))
    )


def current_bus() -> LocalBus | None:
    return current_app.extensions.get(_EXTENSION)


# --- streams -------------------------------------------------------------------------------


class TooManyStreams(Exception):
    """This process already holds its share of open streams."""

    retry_after_seconds = 30


class StreamCounter:
    """Caps the streams one process holds: each holds a worker thread for its lifetime."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open = 0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with self._lock:
            if self._open >= self.limit:
                raise TooManyStreams
            self._open += 1

    def release(self) -> None:
        with self._lock:
            self._open -= 1

    @property
    def open(self) -> int:
        return self._open


def sse_message(name: str, data: str) -> str:
    lines = "".join(f"data: {line}\n" for line in (data.splitlines() or [""]))
    return f"event: {name}\n{lines}\n"


def json_encoder(item: LiveEvent) -> list[str]:
    return [sse_message(item.name, json.dumps(item.data))]


@dataclass(frozen=True)
class StreamTiming:
    heartbeat_seconds: float = 15
    lifetime_seconds: float = 300
    # Tells EventSource how soon to come back after the stream ends.
    retry_ms: int = 2000


def event_stream(
    subscription: Subscription,
    encode: Callable[[LiveEvent], list[str]],
    timing: StreamTiming,
    *,
    clock: Callable[[], float] = time.monotonic,
    on_close: Callable[[], None] | None = None,
) -> Generator[str]:
    """The text/event-stream body: events as they come, a comment line when idle, an end."""
    started = last_sent = clock()
    try:
        yield f"retry: {timing.retry_ms}\n: connected\n\n"
        while True:
            now = clock()
            remaining = timing.lifetime_seconds - (now - started)
            if remaining <= 0:
                return
            idle_left = timing.heartbeat_seconds - (now - last_sent)
            if idle_left <= 0:
                yield ": heartbeat\n\n"
                last_sent = now
                continue
            item = subscription.get(timeout=min(idle_left, remaining))
            if item is STREAM_END:
                return
            if item is not None:
                yield "".join(encode(item))
                last_sent = clock()
    finally:
        subscription.close()
        if on_close is not None:
            on_close()


def stream_timing() -> StreamTiming:
    config = current_app.config
    return StreamTiming(
        heartbeat_seconds=float(config.get("LIVE_HEARTBEAT_SECONDS", 15)),
        lifetime_seconds=float(config.get("LIVE_STREAM_SECONDS", 300)),
    )


def sse_response(body: Iterable[str]) -> Response:
    response = Response(body, mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    # nginx and the like would buffer the stream; each event must go out at once.
    response.headers["X-Accel-Buffering"] = "no"
    return response


def open_stream(
    channels: set[str], encode: Callable[[LiveEvent], list[str]] = json_encoder
) -> OpenStream:
    """Subscribe and hand back the stream body; raises TooManyStreams past the cap.

    The request's database session is closed first: a stream lives for minutes and must not
    hold a pooled connection (or an open transaction) all that time.
    """
    bus = current_bus()
    counter: StreamCounter = current_app.extensions["fitkart.live_streams"]
    if bus is None:
        raise RuntimeError("live events are not set up on this app")
    counter.acquire()
    try:
        subscription = bus.subscribe(channels)
    except BaseException:
        counter.release()
        raise
    db.session.close()
    return OpenStream(subscription, encode, stream_timing(), counter)


def page_stream_response(
    channels: set[str], encode: Callable[[LiveEvent], list[str]] = json_encoder
) -> Response:
    """The streaming answer for a page (member or admin); a plain-text 503 past the cap."""
    try:
        body = open_stream(channels, encode)
    except TooManyStreams as exc:
        return Response(
            "Too many live connections here; try again shortly.",
            status=503,
            mimetype="text/plain",
            headers={"Retry-After": str(exc.retry_after_seconds)},
        )
    return sse_response(body)


class OpenStream:
    """The response body; closing it (the server does, even unread) frees its slot."""

    def __init__(
        self,
        subscription: Subscription,
        encode: Callable[[LiveEvent], list[str]],
        timing: StreamTiming,
        counter: StreamCounter,
    ) -> None:
        self._counter = counter
        self._subscription = subscription
        self._released = False
        self._lock = threading.Lock()
        self._body = event_stream(subscription, encode, timing, on_close=self._release)

    def __iter__(self) -> Iterator[str]:
        return self._body

    def _release(self) -> None:
        with self._lock:
            if self._released:
                return
            self._released = True
        self._subscription.close()
        self._counter.release()

    def close(self) -> None:
        self._body.close()
        self._release()
