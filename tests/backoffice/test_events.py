"""Shop events: buffered, written in batches after the commit, never failing the request."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.backoffice import events
from app.core import background
from app.core.db import transaction
from app.extensions import db
from app.models.admin import AnalyticsEvent
from app.models.base import utcnow


def stored() -> list[tuple[str, int | None]]:
    return list(
        db.session.execute(
            select(AnalyticsEvent.event_type, AnalyticsEvent.user_id).order_by(AnalyticsEvent.id)
        ).all()
    )


@pytest.fixture
def batch_of_three(app):
    app.config["ANALYTICS_BATCH_SIZE"] = 3


def test_events_wait_in_the_buffer_and_go_in_as_one_batch(app, member, batch_of_three):
    events.record(events.REWARD_VIEWED, member.id, {"product_id": 1})
    events.record(events.ADDED_TO_CART, member.id, {"product_id": 1})
    background.drain(app)
    assert stored() == []
    events.record(events.CHECKOUT_STARTED, member.id)
    background.drain(app)
    assert [t for t, _ in stored()] == ["reward_viewed", "added_to_cart", "checkout_started"]
    platforms = db.session.execute(select(AnalyticsEvent.platform).distinct()).scalars()
    assert list(platforms) == ["job"]


def test_a_buffer_older_than_the_flush_age_is_written_on_the_next_event():
    ticks = iter([0.0, 4.0, 11.0])
    buffer = events.EventBuffer(batch_size=50, max_age=10, clock=lambda: next(ticks))
    assert buffer.add([{"n": 1}]) == []
    assert buffer.add([{"n": 2}]) == []
    assert buffer.add([{"n": 3}]) == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert buffer.rows == []


def test_a_full_buffer_drops_new_events_instead_of_growing(monkeypatch):
    monkeypatch.setattr(events, "MAX_BUFFERED", 2)
    buffer = events.EventBuffer(batch_size=50, max_age=10, clock=lambda: 0.0)
    buffer.add([{"n": 1}, {"n": 2}, {"n": 3}])
    assert (len(buffer.rows), buffer.dropped) == (2, 1)


def test_an_event_of_a_rolled_back_transaction_is_never_recorded(app, member, batch_of_three):
    with pytest.raises(RuntimeError), transaction():
        events.record(events.ORDER_PLACED, member.id, {"order_id": 1})
        raise RuntimeError("checkout failed")
    with transaction():
        for _ in range(3):
            events.record(events.ORDER_PLACED, member.id, {"order_id": 2})
        background.drain(app)
        assert stored() == []  # not before the commit
    background.drain(app)
    assert [props for (props,) in db.session.execute(select(AnalyticsEvent.properties))] == [
        {"order_id": 2}
    ] * 3


def test_a_failing_write_loses_the_batch_not_the_request(app, member, caplog):
    bad = {"user_id": member.id, "event_type": None, "platform": "web", "created_at": utcnow()}
    assert events.write_batch([bad]) == 0
    assert "analytics events lost" in caplog.text
    assert db.session.execute(select(func.count()).select_from(AnalyticsEvent)).scalar() == 0


def test_recording_never_raises(app, member, monkeypatch, caplog):
    def broken() -> None:
        raise OSError("disk full")

    monkeypatch.setattr(events, "_buffer", broken)
    events.record(events.REWARD_VIEWED, member.id)
    assert "not recorded" in caplog.text


def test_the_shop_funnel_counts_distinct_members_per_step(app, member, make_member):
    other = make_member()
    when = utcnow()
    rows = [
        (member.id, events.REWARD_VIEWED),
        (member.id, events.REWARD_VIEWED),
        (other.id, events.REWARD_VIEWED),
        (member.id, events.ADDED_TO_CART),
        (member.id, events.GOAL_SET),
    ]
    events.write_batch(
        [
            {"user_id": uid, "event_type": kind, "platform": "web", "created_at": when}
            for uid, kind in rows
        ]
    )
    funnel = events.shop_funnel(when.date(), when.date())
    assert [s.members for s in funnel.steps] == [2, 1, 0, 0]
    assert funnel.goals_set == 1 and funnel.rate(1) == 0.5
    assert events.shop_funnel(date(2020, 1, 1), date(2020, 1, 2)).steps[0].members == 0
