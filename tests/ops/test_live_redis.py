"""Live events through Redis pub/sub (CI has Redis too: no skip): what one worker publishes
reaches the streams open in another."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from app.coins import ledger
from app.core import live_events
from app.core.db import transaction
from app.core.live_events import RedisBus, channel_for
from app.extensions import db

# Database 9 and this channel prefix belong to these tests.
REDIS = "redis://127.0.0.1:6379/9"
PREFIX = "fitkart-test-h15:"
DEAD_REDIS = "redis://127.0.0.1:9/0"


@pytest.fixture
def workers(make_app) -> Iterator[tuple]:
    first = make_app(REDIS_URL=REDIS, LIVE_EVENTS_CHANNEL_PREFIX=PREFIX)
    second = make_app(REDIS_URL=REDIS, LIVE_EVENTS_CHANNEL_PREFIX=PREFIX)
    yield first, second
    for worker in (first, second):
        worker.extensions["fitkart.live_events"].stop()


def test_an_event_committed_in_one_worker_reaches_a_stream_in_another(workers, member):
    first, second = workers
    listening_bus = first.extensions["fitkart.live_events"]
    assert isinstance(listening_bus, RedisBus)
    member_id = member.id
    subscription = listening_bus.subscribe({channel_for(member_id)})
    assert listening_bus.wait_until_listening()
    db.session.commit()  # the test's own session lets go of SQLite's write lock
    with second.app_context():
        with transaction():
            ledger.award_step_coins(member_id, date(2026, 1, 1), 30)
        db.session.remove()
    received = subscription.get(timeout=5)
    assert received is not None
    assert (received.name, received.data["available"]) == ("wallet", 30)
    subscription.close()


def test_redis_down_loses_the_live_update_not_the_work(make_app, member, caplog):
    worker = make_app(REDIS_URL=DEAD_REDIS, LIVE_EVENTS_CHANNEL_PREFIX=PREFIX)
    member_id = member.id
    db.session.commit()
    with worker.app_context():
        with transaction():
            ledger.award_step_coins(member_id, date(2026, 1, 1), 30)
        assert ledger.lock_wallet(member_id).available_coins == 30
        db.session.remove()
    assert "live events not published" in caplog.text
    worker.extensions["fitkart.live_events"].stop()
    assert live_events.LiveEvent.from_json(
        live_events.LiveEvent("admins", "x", {"a": 1}).to_json()
    ) == live_events.LiveEvent("admins", "x", {"a": 1})
