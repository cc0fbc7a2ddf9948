"""/admin: the queue's ages, cases opened vs decided, today's decisions, orders to ship and
the alerts that need a person, each linking to where it is fixed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from app.backoffice import job_runs
from app.backoffice import overview as admin_overview
from app.backoffice.settings import update_settings
from app.core.db import transaction
from app.extensions import db
from app.fraud import review
from app.models.steps import StepRecord, StepValidation
from app.orders import orders
from tests.admin.test_fraud_members_orders import _order_for
from tests.fraud.test_review import flag_a_day

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def utc_today() -> date:
    return datetime.now(UTC).date()


def flagged_at(user, when: datetime, *, appealed_at: datetime | None = None) -> StepValidation:
    case = flag_a_day(user)
    case.created_at = when
    if appealed_at is not None:
        case.status = "appealed"
        case.appealed_at = appealed_at
    db.session.commit()
    return case


def add_run(name: str, outcome: str, at: datetime, *, error: str | None = None, reason=None):
    if outcome == "skipped":
        return job_runs.record_skipped_run(name, trigger="schedule", at=at, reason=reason or "x")
    run_id = job_runs.start_run(name, trigger="schedule", started_at=at)
    job_runs.finish_run(run_id, outcome=outcome, finished_at=at, error_text=error)
    return run_id


def kinds(ov) -> list[str]:
    return [a.kind for a in ov.alerts]


def test_queue_ages_count_appeals_from_when_they_were_sent(make_member):
    flagged_at(make_member(), NOW - timedelta(hours=3))
    flagged_at(make_member(), NOW - timedelta(hours=30))
    # Flagged ten days ago, but the appeal came in an hour ago: it has waited an hour.
    flagged_at(make_member(), NOW - timedelta(days=10), appealed_at=NOW - timedelta(hours=1))
    flagged_at(make_member(), NOW - timedelta(days=9))

    queue = admin_overview.queue_ages(NOW, limit_hours=48)

    assert (queue.open_cases, queue.appeals, queue.over_limit) == (4, 1, 1)
    assert queue.oldest_waiting_since == NOW - timedelta(days=9)
    assert [(b.label, b.cases) for b in queue.buckets] == [
        ("under 1 day", 2),
        ("1 to 2 days", 1),
        ("2 to 7 days", 0),
        ("over 7 days", 1),
    ]


def test_case_flow_counts_opened_and_decided_per_day(member, make_member, admin):
    opened_today = flag_a_day(member)
    old = flagged_at(
        make_member(),
        datetime.combine(utc_today(), datetime.min.time(), UTC) - timedelta(days=3, hours=-2),
    )
    review.approve(old.id, admin_id=admin.id)
    flagged_at(make_member(), datetime.now(UTC) - timedelta(days=20))  # outside the 14 days

    flow = admin_overview.case_flow(utc_today())

    assert len(flow) == 14 and flow[-1].day == utc_today()
    by_day = {d.day: (d.opened, d.decided) for d in flow}
    assert by_day[utc_today()] == (1, 1)  # today's flag opened, the old one decided today
    assert by_day[utc_today() - timedelta(days=3)] == (1, 0)
    assert sum(d.opened for d in flow) == 2
    assert opened_today.status == "pending"


def test_decisions_today_are_counted_per_admin(make_member, admin):
    other = make_member(full_name="Bo Reviewer", role="admin")
    cases = [flag_a_day(make_member()) for _ in range(3)]
    review.approve(cases[0].id, admin_id=admin.id)
    review.reject(cases[1].id, admin_id=admin.id, note="no")
    review.approve(cases[2].id, admin_id=other.id)
    start = datetime.combine(utc_today(), datetime.min.time(), UTC)

    decisions = admin_overview.decisions_since(start)

    assert [(d.name, d.approved, d.rejected) for d in decisions] == [
        ("Ada Admin", 1, 1),
        ("Bo Reviewer", 1, 0),
    ]


def test_orders_to_ship_report_the_oldest(member, make_product):
    first = _order_for(member, make_product)
    orders.change_status(first.order_code, "processing", admin_id=None)
    db.session.execute(
        text("UPDATE orders SET created_at = :t WHERE id = :id"),
        {"t": NOW - timedelta(days=2), "id": first.id},
    )
    db.session.commit()
    _order_for(member, make_product)

    shipping = admin_overview.shipping()

    assert (shipping.processing, shipping.pending) == (1, 1)
    assert shipping.oldest_processing_since == NOW - timedelta(days=2)


def test_a_job_failing_or_skipping_twice_in_a_row_is_an_alert(app):
    add_run("leaderboards", "failed", NOW - timedelta(days=2), error="Traceback\nBoom")
    add_run("leaderboards", "skipped", NOW - timedelta(days=1), reason="lock held")
    add_run("achievements", "failed", NOW - timedelta(days=2))
    add_run("achievements", "success", NOW - timedelta(days=1))  # recovered: no alert
    add_run("cleanup_tokens", "failed", NOW - timedelta(days=1))  # only once: no alert

    ov = admin_overview.overview(now=NOW)

    assert kinds(ov) == ["job_not_running"]
    alert = ov.alerts[0]
    assert "leaderboards skipped and failed twice in a row" in alert.title
    assert "lock held" in alert.why
    assert alert.fix == ("admin.jobs", {"job": "leaderboards"})


def test_a_failing_shopify_sync_is_an_alert_at_its_first_failure(app):
    add_run("shopify_sync", "failed", NOW - timedelta(hours=5), error="Trace\nHTTP 401 from shop")

    ov = admin_overview.overview(now=NOW)

    assert kinds(ov) == ["shopify_failing"]
    assert "HTTP 401 from shop" in ov.alerts[0].why


def test_the_queue_limit_is_a_setting(make_member, admin):
    flagged_at(make_member(), NOW - timedelta(hours=30))
    assert "queue_too_old" not in kinds(admin_overview.overview(now=NOW))
    with transaction():
        update_settings({"review_queue_max_age_hours": 24}, admin_id=admin.id)

    ov = admin_overview.overview(now=NOW)

    assert kinds(ov) == ["queue_too_old"]
    assert ov.alerts[0].title == "1 case(s) waited more than 24 h"
    assert ov.alerts[0].fix == ("admin.fraud_queue", {})


def _rejected_day(user, day: date, device: str) -> None:
    db.session.add(
        StepRecord(
            user_id=user.id,
            recorded_date=day,
            source="fitbit",
            steps=150_000,
            status="rejected",
            device_id=device,
        )
    )
    db.session.commit()


def test_many_rejected_days_from_one_device_are_an_alert(make_member):
    cheat, friend, honest = make_member(), make_member(), make_member()
    today = NOW.date()
    for n in range(2):
        _rejected_day(cheat, today - timedelta(days=n), "shaker-9000")
    _rejected_day(friend, today, "shaker-9000")
    _rejected_day(honest, today, "pixel")
    _rejected_day(honest, today - timedelta(days=30), "pixel")  # outside the window

    ov = admin_overview.overview(now=NOW)

    assert kinds(ov) == ["device_rejected_days"]
    assert "shaker-9000: 3 refused or rejected days" in ov.alerts[0].title
    assert ov.alerts[0].fix == ("admin.fraud_queue", {"status": "rejected"})


def test_wallet_drift_comes_first(make_member):
    job_runs.finish_run(
        job_runs.start_run("reconcile_wallets", trigger="schedule", started_at=NOW),
        outcome="success",
        finished_at=NOW,
        details={"wallets_checked": 3, "drift_count": 1, "drift": []},
    )
    flagged_at(make_member(), NOW - timedelta(days=5))

    assert kinds(admin_overview.overview(now=NOW)) == ["wallet_drift", "queue_too_old"]


@pytest.mark.parametrize("hours, shown", [(0.5, "30 min"), (5, "5 h"), (50, "2 d 2 h")])
def test_waiting_times_read_as_people_say_them(app, hours, shown):
    from app.admin.overview import age

    assert age(timedelta(hours=hours)) == shown


def test_overview_page_says_what_to_do_first_and_links_to_the_fix(admin_client, make_member):
    flagged_at(make_member(), datetime.now(UTC) - timedelta(days=3))
    add_run("shopify_sync", "failed", datetime.now(UTC), error="Trace\nstore unreachable")

    html = admin_client.get("/admin").get_data(as_text=True)

    assert html.index('data-alert="shopify_failing"') < html.index('data-alert="queue_too_old"')
    assert 'href="/admin/jobs?job=shopify_sync"' in html
    assert 'href="/admin/fraud"' in html
    assert 'data-metric="oldest-case">oldest waiting 3 d 0 h' in html
    assert "data-chart=" in html and "Opened" in html and "Decided" in html
    assert "js/admin-charts.js" in html and "<script>" not in html
    assert "has not run yet" in html  # the wallet line is still there
    assert '<tr class="over"><td>2 to 7 days</td><td class="num">1</td></tr>' in html


def test_appeals_waiting_link_to_the_appealed_cases(admin_client, make_member):
    flagged_at(
        make_member(),
        datetime.now(UTC) - timedelta(hours=2),
        appealed_at=datetime.now(UTC) - timedelta(hours=1),
    )

    html = admin_client.get("/admin").get_data(as_text=True)

    assert 'href="/admin/fraud?status=appealed" data-metric="appeals">1 appeal</a>' in html
