"""/admin reads a snapshot of its numbers from Redis: the same numbers, taken again when a
case is decided, and computed on every request without Redis."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text

from app.backoffice import job_runs
from app.backoffice import overview as admin_overview
from app.extensions import db
from app.fraud import review
from tests.admin.test_overview import NOW, add_run, flagged_at

REDIS = "redis://127.0.0.1:6379/3"


@pytest.fixture
def with_redis(app):
    app.config["REDIS_URL"] = REDIS
    app.config["CACHE_PREFIX"] = f"test:{uuid.uuid4().hex}:"
    return app


def test_a_snapshot_reads_back_as_the_overview_it_was_taken_from(make_member, admin):
    job_runs.finish_run(
        job_runs.start_run("reconcile_wallets", trigger="schedule", started_at=NOW),
        outcome="success",
        finished_at=NOW,
        details={"wallets_checked": 3, "drift_count": 1, "drift": [{"user_id": 1}]},
    )
    add_run("shopify_sync", "failed", NOW - timedelta(hours=2), error="store said no")
    flagged_at(make_member(), NOW - timedelta(days=5))
    decided = flagged_at(make_member(), NOW - timedelta(hours=3))
    review.approve(decided.id, admin_id=admin.id, now=NOW)
    view = admin_overview.compute_overview(NOW)
    assert view.alerts and view.drift and view.flow

    stored = json.loads(json.dumps(admin_overview._snapshot_json(view)))

    assert admin_overview._snapshot_from_json(stored) == view


def test_the_live_page_reads_the_snapshot_until_a_case_is_decided(with_redis, make_member, admin):
    first = flagged_at(make_member(), NOW - timedelta(hours=3))
    second = flagged_at(make_member(), NOW - timedelta(hours=2))
    assert admin_overview.overview().queue.open_cases == 2

    # Decided behind the application's back: the snapshot does not know yet.
    db.session.execute(
        text("UPDATE step_validations SET status = 'approved' WHERE id = :id"), {"id": second.id}
    )
    db.session.commit()
    assert admin_overview.overview().queue.open_cases == 2

    review.approve(first.id, admin_id=admin.id)

    assert admin_overview.overview().queue.open_cases == 0


def test_without_redis_every_request_computes_afresh(app, make_member):
    app.config["REDIS_URL"] = None
    flagged_at(make_member(), NOW - timedelta(hours=3))
    assert admin_overview.overview().queue.open_cases == 1

    flagged_at(make_member(), NOW - timedelta(hours=2))

    assert admin_overview.overview().queue.open_cases == 2


def test_a_decided_case_retakes_the_snapshot_but_keeps_the_days_syncs(
    with_redis, make_member, admin
):
    first = flagged_at(make_member(), NOW - timedelta(hours=3))
    flagged_at(make_member(), NOW - timedelta(hours=2))
    before = admin_overview.overview()
    assert (before.queue.open_cases, before.syncs_24h, before.members_synced_24h) == (2, 2, 2)

    review.approve(first.id, admin_id=admin.id)
    flagged_at(make_member(), NOW - timedelta(hours=1))

    # The queue is read again at once; the last 24 h's syncs (a day of step records) are
    # kept for up to SNAPSHOT_SECONDS, as the whole snapshot was before.
    after = admin_overview.overview()
    assert after.queue.open_cases == 2
    assert (after.flow[-1].day, after.flow[-1].decided) == (after.now.date(), 1)
    assert [d.day for d in after.flow] == [d.day for d in before.flow]
    assert (after.syncs_24h, after.members_synced_24h) == (2, 2)
    fresh = admin_overview.compute_overview(after.now)
    assert (fresh.syncs_24h, fresh.members_synced_24h) == (3, 3)
