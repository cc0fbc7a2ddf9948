"""`analytics_events` is partitioned by month on PostgreSQL; the nightly job keeps months ahead."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, text

from app.backoffice import events
from app.extensions import db
from app.jobs import run_job
from app.models.admin import AnalyticsEvent

pytestmark = pytest.mark.postgres_only


def partition_of(event_type: str) -> list[str]:
    return list(
        db.session.execute(
            text(
                "SELECT tableoid::regclass::text FROM analytics_events"
                " WHERE event_type = :t ORDER BY id"
            ),
            {"t": event_type},
        ).scalars()
    )


def partitions_like(prefix: str) -> list[str]:
    return list(
        db.session.execute(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                " WHERE i.inhparent = 'analytics_events'::regclass AND c.relname LIKE :p"
                " ORDER BY c.relname"
            ),
            {"p": prefix + "%"},
        ).scalars()
    )


@pytest.fixture
def far_years(app) -> Iterator[None]:
    """Partitions these tests create for far years are dropped again (DDL outlives TRUNCATE)."""

    def drop() -> None:
        for name in partitions_like("analytics_events_203"):
            db.session.execute(text(f"DROP TABLE {name}"))
        db.session.commit()

    drop()
    yield
    db.session.rollback()
    db.session.execute(text("DELETE FROM analytics_events"))
    db.session.commit()
    drop()


def add_event(event_type: str, at: datetime) -> None:
    events.write_batch(
        [{"user_id": None, "event_type": event_type, "platform": "job", "created_at": at}]
    )


def test_an_event_lands_in_the_partition_of_its_month(app):
    now = datetime.now(UTC)
    add_event("this_month", now)
    assert partition_of("this_month") == [f"analytics_events_{now:%Y_%m}"]


def test_an_event_of_a_month_without_partition_lands_in_default_and_is_kept(app, far_years):
    add_event("far_future", datetime(2039, 5, 2, tzinfo=UTC))
    assert partition_of("far_future") == ["analytics_events_default"]


def test_ensure_partitions_creates_this_month_and_the_next_three_once(app, far_years):
    now = datetime(2031, 11, 20, 23, 0, tzinfo=UTC)
    created = events.ensure_partitions(now)
    db.session.commit()
    months = ["2031_11", "2031_12", "2032_01", "2032_02"]
    assert created == [f"analytics_events_{m}" for m in months]
    assert events.ensure_partitions(now) == []
    add_event("next_year", datetime(2032, 1, 31, 23, 59, tzinfo=UTC))
    add_event("month_end", datetime(2031, 12, 1, tzinfo=UTC))
    assert partition_of("next_year") == ["analytics_events_2032_01"]
    assert partition_of("month_end") == ["analytics_events_2031_12"]


def test_a_month_whose_rows_sit_in_default_is_skipped_with_a_warning(app, far_years, caplog):
    add_event("stranded", datetime(2035, 6, 10, tzinfo=UTC))
    with caplog.at_level(logging.WARNING, logger="app.analytics"):
        created = events.ensure_partitions(datetime(2035, 6, 1, tzinfo=UTC))
    db.session.commit()
    assert created == [f"analytics_events_2035_{m}" for m in ("07", "08", "09")]
    assert "analytics_events_2035_06 not created: 1 of its rows" in caplog.text
    assert partition_of("stranded") == ["analytics_events_default"]


def test_ids_keep_coming_from_one_sequence_across_partitions(app, far_years):
    add_event("first", datetime.now(UTC))
    add_event("second", datetime(2039, 1, 1, tzinfo=UTC))
    ids = db.session.execute(
        text("SELECT id FROM analytics_events WHERE event_type IN ('first','second') ORDER BY id")
    ).scalars()
    assert len(set(ids)) == 2


def test_the_funnel_counts_events_across_partitions(app, member, far_years):
    db.session.execute(
        insert(AnalyticsEvent),
        [
            {"user_id": member.id, "event_type": events.REWARD_VIEWED, "created_at": at}
            for at in (datetime(2039, 3, 31, 23, 0, tzinfo=UTC), datetime.now(UTC))
        ],
    )
    db.session.commit()
    funnel = events.shop_funnel(datetime(2039, 3, 1).date(), datetime(2039, 4, 30).date())
    assert funnel.steps[0].members == 1


def test_the_nightly_cleanup_tokens_job_keeps_partitions_ahead(app, far_years):
    result = run_job("cleanup_tokens", now=datetime(2033, 2, 3, 5, 30, tzinfo=UTC))
    assert result.details["event_partitions_created"] == [
        f"analytics_events_2033_{m}" for m in ("02", "03", "04", "05")
    ]
    assert partitions_like("analytics_events_2033") == [
        f"analytics_events_2033_{m}" for m in ("02", "03", "04", "05")
    ]
