"""analytics_refresh: PostgreSQL's materialized view refreshed; SQLite reads live."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.backoffice.analytics_refresh import daily_analytics
from app.coins import ledger
from app.extensions import db
from app.jobs import run_job
from tests.jobs.conftest import NOW, TODAY, at

YESTERDAY = TODAY - timedelta(days=1)


def some_activity(make_member, add_steps) -> None:
    ana, ben = make_member(), make_member()
    add_steps(ana, YESTERDAY, 8000, source="google_fit")
    add_steps(ana, YESTERDAY, 6000, source="fitbit")
    add_steps(ben, YESTERDAY, 5000)
    add_steps(ben, YESTERDAY, 90_000, source="manual", status="pending")
    ledger.award_step_coins(ana.id, YESTERDAY, 80, now=at(YESTERDAY, 22))
    ledger.award_step_coins(ben.id, YESTERDAY, 50, now=at(YESTERDAY, 22))
    ledger.freeze_for_order(ana.id, 1, "FK-2025-000001", 30, now=at(YESTERDAY, 23))
    ledger.spend_for_order(ana.id, 1, "FK-2025-000001", 30, now=at(YESTERDAY, 23))
    db.session.commit()


def test_the_live_numbers_add_up(make_member, add_steps):
    some_activity(make_member, add_steps)

    [day] = daily_analytics(YESTERDAY, YESTERDAY, live=True)

    assert day.day == YESTERDAY
    assert (day.active_members, day.credited_steps) == (2, 13_000)
    assert (day.coins_issued, day.coins_spent, day.coins_refunded) == (130, 30, 0)


def test_the_job_refreshes_on_postgresql_and_is_skipped_on_sqlite(make_member, add_steps, dialect):
    some_activity(make_member, add_steps)

    result = run_job("analytics_refresh", now=NOW)

    if dialect == "postgresql":
        assert result.outcome == "success"
        assert result.details == {"refreshed": ["analytics_daily"]}
    else:
        assert result.outcome == "skipped"
        assert "SQLite" in result.details["reason"]


@pytest.mark.postgres_only
def test_the_materialized_view_matches_the_live_query_after_a_refresh(make_member, add_steps):
    run_job("analytics_refresh", now=NOW)  # empty: the view now holds no days
    some_activity(make_member, add_steps)
    window = (date(2025, 1, 1), TODAY)

    assert daily_analytics(*window) == []

    run_job("analytics_refresh", now=NOW + timedelta(minutes=1))

    stored = daily_analytics(*window)
    assert stored == daily_analytics(*window, live=True)
    assert [(row.day, row.credited_steps, row.coins_spent) for row in stored] == [
        (YESTERDAY, 13_000, 30)
    ]
