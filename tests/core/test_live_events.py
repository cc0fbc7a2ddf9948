"""Live events: published after commit (never for rolled-back work), to the right channel,
from the places that change what pages show; streamed with heartbeats and an end."""

from __future__ import annotations

from datetime import date

import pytest

from app.coins import ledger
from app.core import live_events, notifications
from app.core.db import transaction
from app.core.live_events import (
    ADMINS,
    LiveEvent,
    LocalBus,
    StreamCounter,
    StreamTiming,
    TooManyStreams,
    channel_for,
    event_stream,
    publish,
)
from app.fraud import review
from app.orders import orders
from app.steps import sync as steps
from tests.fraud.test_review import flag_a_day


def drain(subscription) -> list[LiveEvent]:
    """Everything already delivered (get(0) never waits)."""
    found = []
    while (item := subscription.get(timeout=0)) is not None:
        found.append(item)
    return found


@pytest.fixture
def bus(app) -> LocalBus:
    return live_events.current_bus()


@pytest.fixture
def inbox(bus, member):
    subscription = bus.subscribe({channel_for(member.id)})
    yield subscription
    subscription.close()


@pytest.fixture
def admin_inbox(bus):
    subscription = bus.subscribe({ADMINS})
    yield subscription
    subscription.close()


def test_an_event_waits_for_the_commit(inbox, member):
    with transaction():
        publish(member.id, "wallet", {"available": 5})
        assert drain(inbox) == []
    assert drain(inbox) == [LiveEvent(channel_for(member.id), "wallet", {"available": 5})]


def test_rolled_back_work_publishes_nothing(inbox, member):
    with pytest.raises(RuntimeError), transaction():
        ledger.award_step_coins(member.id, date(2026, 1, 1), 100)
        raise RuntimeError("the work failed")
    assert drain(inbox) == []
    with transaction():
        pass
    assert drain(inbox) == [], "a later commit must not send the rolled-back events"


def test_a_rolled_back_savepoint_takes_its_events_along(inbox, member):
    with transaction() as session:
        publish(member.id, "notification", {"title": "kept"})
        with pytest.raises(RuntimeError), session.begin_nested():
            publish(member.id, "notification", {"title": "undone"})
            with session.begin_nested():
                publish(member.id, "notification", {"title": "undone too"})
            raise RuntimeError("the savepoint's work failed")
        with session.begin_nested():
            publish(member.id, "notification", {"title": "kept too"})
    assert [e.data["title"] for e in drain(inbox)] == ["kept", "kept too"]


def test_outside_a_transaction_an_event_goes_at_once(inbox, member):
    publish(member.id, "notification", {"title": "hi"})
    assert [e.name for e in drain(inbox)] == ["notification"]


def test_events_reach_only_their_member(bus, inbox, make_member):
    other = make_member(email="other@example.com")
    with transaction():
        ledger.award_step_coins(other.id, date(2026, 1, 1), 100)
    assert drain(inbox) == []


def test_a_target_is_a_member_id_or_the_admins():
    assert channel_for(7) == "user:7"
    assert channel_for(ADMINS) == "admins"
    with pytest.raises(ValueError):
        channel_for("user:7")
    with pytest.raises(ValueError):
        channel_for(True)


def test_a_sync_sends_the_new_balance_and_the_days_once_each(inbox, member):
    today = steps.member_today(member)
    steps.sync_records(
        member,
        [
            steps.IncomingRecord(day=today, steps=4_000, source="google_fit"),
            steps.IncomingRecord(day=today, steps=5_000, source="apple_health"),
        ],
    )
    received = drain(inbox)
    wallet = ledger.lock_wallet(member.id)
    by_name = {e.name: e for e in received}
    assert [e.name for e in received].count("wallet") == 1, "coalesced to the last balance"
    assert by_name["wallet"].data == {
        "available": wallet.available_coins,
        "frozen": wallet.frozen_coins,
    }
    assert wallet.available_coins > 0
    assert by_name["steps"].data == {"days": [today.isoformat()]}


def test_a_notification_rings_the_bell(inbox, member):
    with transaction():
        notifications.notify(member.id, "system", "Welcome", link="/steps")
    assert [(e.name, e.data["title"]) for e in drain(inbox)] == [("notification", "Welcome")]


def test_an_order_status_change_is_sent_to_its_member(inbox, member, admin, make_product):
    product = make_product("Bottle", coin_price=100, stock_quantity=5)
    with transaction():
        ledger.award_step_coins(member.id, date(2026, 1, 1), 500)
    order = orders.place_order(
        member.id,
        [(product.id, 1)],
        shipping_address={
            "recipient_name": "Ann Walker",
            "line1": "1 High Street",
            "city": "Leeds",
            "postal_code": "LS1 1AA",
            "country": "GB",
        },
    )
    drain(inbox)
    orders.change_status(order.order_code, "processing", admin_id=admin.id)
    order_events = [e for e in drain(inbox) if e.name == "order"]
    assert [e.data for e in order_events] == [
        {"id": order.id, "code": order.order_code, "status": "processing"}
    ]


def test_admins_see_a_case_arrive_get_taken_and_get_decided(admin_inbox, member, admin):
    case_file = flag_a_day(member)
    arrived = drain(admin_inbox)
    assert [(e.name, e.data["id"], e.data["state"], e.data["open_count"]) for e in arrived] == [
        ("fraud-case", case_file.id, "new", 1)
    ]
    review.take(case_file.id, admin_id=admin.id)
    (taken,) = drain(admin_inbox)
    assert taken.data["state"] == "taken"
    assert (taken.data["by_id"], taken.data["by"]) == (admin.id, admin.full_name)
    review.approve(case_file.id, admin_id=admin.id)
    (decided,) = drain(admin_inbox)
    assert (decided.data["state"], decided.data["open_count"]) == ("approved", 0)


def test_a_refused_decision_tells_the_admins_nothing(admin_inbox, member, admin):
    case_file = flag_a_day(member)
    review.reject(case_file.id, admin_id=admin.id, note="Not a walk.")
    drain(admin_inbox)
    with pytest.raises(review.AlreadyReviewed):
        review.approve(case_file.id, admin_id=admin.id)
    assert drain(admin_inbox) == []


# --- the stream ----------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class ScriptedSubscription:
    """Hands out events in order; an empty wait moves the clock by the whole timeout."""

    def __init__(self, clock: FakeClock, script: list[LiveEvent | None]) -> None:
        self.clock, self.script, self.closed, self.waits = clock, list(script), False, []

    def get(self, timeout: float) -> LiveEvent | None:
        self.waits.append(timeout)
        item = self.script.pop(0) if self.script else None
        if item is None:
            self.clock.now += timeout
        return item

    def close(self) -> None:
        self.closed = True


def test_a_stream_sends_events_heartbeats_when_idle_and_ends(app):
    clock = FakeClock()
    wallet = LiveEvent("user:1", "wallet", {"available": 12})
    subscription = ScriptedSubscription(clock, [wallet, None, None])
    body = list(
        event_stream(
            subscription,
            live_events.json_encoder,
            StreamTiming(heartbeat_seconds=15, lifetime_seconds=40, retry_ms=2000),
            clock=clock,
        )
    )
    assert body == [
        "retry: 2000\n: connected\n\n",
        'event: wallet\ndata: {"available": 12}\n\n',
        ": heartbeat\n\n",
        ": heartbeat\n\n",
    ]
    assert subscription.waits == [15, 15, 15, 10], "the last wait stops at the lifetime"
    assert subscription.closed


def test_a_closed_stream_lets_go_of_its_subscription_and_slot(app, bus, member):
    counter = app.extensions["fitkart.live_streams"]
    body = live_events.open_stream({channel_for(member.id)})
    assert bus.open_streams() == 1 and counter.open == 1
    body.close()  # the client went away before the first byte
    assert bus.open_streams() == 0 and counter.open == 0


def test_a_process_refuses_streams_past_its_cap():
    counter = StreamCounter(limit=2)
    counter.acquire()
    counter.acquire()
    with pytest.raises(TooManyStreams):
        counter.acquire()
    counter.release()
    counter.acquire()


def test_a_multi_line_payload_is_one_event():
    assert live_events.sse_message("x", "<a>\n</a>") == "event: x\ndata: <a>\ndata: </a>\n\n"


def test_a_stalled_reader_loses_events_not_memory(bus, member):
    subscription = bus.subscribe({channel_for(member.id)})
    for n in range(live_events.QUEUE_LIMIT + 5):
        publish(member.id, "wallet", {"available": n})
    assert subscription.dropped == 5
    assert len(drain(subscription)) == live_events.QUEUE_LIMIT
    subscription.close()


def test_a_stopping_worker_ends_every_stream_at_once(app, bus, member):
    app.config["LIVE_STREAM_SECONDS"] = 600
    body = live_events.open_stream({channel_for(member.id)})
    chunks = iter(body)
    assert next(chunks).startswith("retry:")
    live_events.end_all_streams()
    assert list(chunks) == [], "the stream ends without waiting for its lifetime"
    assert bus.open_streams() == 0
    assert app.extensions["fitkart.live_streams"].open == 0
