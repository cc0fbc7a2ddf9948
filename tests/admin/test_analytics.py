"""/admin/analytics: each number checked on a small data set built through the services.

The range is 2026-03-02 ... 2026-03-04. In it (step days are the members' dates):
- Ann, registered 03-02: 03-02 8,000 (and 6,000 from a second source), 03-03 12,000;
  orders a bottle (pending).
- Ben, registered 03-03: 03-01 5,000 (before the range, paid 03-03), 03-03 4,000,
  03-04 9,000 typed in: flagged, then approved; orders a bottle and cancels it.
- Cat, registered 03-04: nothing.
- Dan, registered 02-20: +5,000 by an admin; 03-03 6,000 typed in: flagged, then rejected;
  03-04 7,000; two mats (shipped 03-04), one pair of socks (cancelled), three socks.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.backoffice import analytics
from app.coins import ledger
from app.core.db import transaction
from app.core.errors import ValidationFailed
from app.extensions import db
from app.fraud import review
from app.models.steps import StepValidation
from app.models.users import User
from app.orders import orders
from app.steps import sync as steps

START, END = date(2026, 3, 2), date(2026, 3, 4)
ADDRESS = {"line1": "1 Main St", "city": "Lagos", "country": "NG"}


def at(day: int, hour: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def registered(user: User, when: datetime) -> User:
    user.created_at = when
    db.session.commit()
    return user


def sync(user: User, day: date, count: int, when: datetime, **extra) -> str:
    (result,) = steps.sync_records(
        user, [steps.IncomingRecord(day=day, steps=count, **extra)], now=when
    )
    return result.status


def flagged_case(user: User, day: date) -> int:
    return db.session.execute(
        select(StepValidation.id).where(
            StepValidation.user_id == user.id, StepValidation.recorded_date == day
        )
    ).scalar_one()


@pytest.fixture
def data_set(make_member, make_product, admin):
    ann = registered(make_member(full_name="Ann Walker"), at(2, 10))
    ben = registered(make_member(full_name="Ben Walker"), at(3, 8))
    registered(make_member(full_name="Cat Walker"), at(4, 9))
    dan = registered(make_member(full_name="Dan Walker"), at(20, 9, month=2))
    mat = make_product("Mat", coin_price=1000, stock_quantity=10)
    socks = make_product("Socks", coin_price=300, stock_quantity=10)
    bottle = make_product("Bottle", coin_price=100, stock_quantity=10)

    assert sync(ann, date(2026, 3, 2), 8_000, at(2, 20), source="google_fit") == "accepted"
    assert sync(ann, date(2026, 3, 2), 6_000, at(2, 21), source="fitbit") == "accepted"
    assert sync(ann, date(2026, 3, 3), 12_000, at(3, 20), source="google_fit") == "accepted"

    assert sync(ben, date(2026, 3, 1), 5_000, at(3, 21), source="fitbit") == "accepted"
    assert sync(ben, date(2026, 3, 3), 4_000, at(3, 21), source="fitbit") == "accepted"
    typed = {"source": "manual", "recording_method": "manual"}
    assert sync(ben, date(2026, 3, 4), 9_000, at(4, 21), **typed) == "flagged"
    review.approve(flagged_case(ben, date(2026, 3, 4)), admin_id=admin.id, now=at(4, 22))

    with transaction():
        ledger.adjust_by_admin(dan.id, 5_000, "Launch promo", admin_id=admin.id, now=at(2, 8))
    assert sync(dan, date(2026, 3, 3), 6_000, at(4, 20), **typed) == "flagged"
    assert sync(dan, date(2026, 3, 4), 7_000, at(4, 20), source="google_fit") == "accepted"
    review.reject(flagged_case(dan, date(2026, 3, 3)), admin_id=admin.id, note="No.", now=at(4, 21))

    shipped = orders.place_order(dan.id, [(mat.id, 2)], shipping_address=ADDRESS, now=at(3, 10))
    orders.change_status(shipped.order_code, "processing", admin_id=admin.id, now=at(3, 11))
    orders.change_status(
        shipped.order_code, "shipped", admin_id=admin.id, tracking_number="T1", now=at(4, 9)
    )
    cancelled = orders.place_order(dan.id, [(socks.id, 1)], shipping_address=ADDRESS, now=at(4, 10))
    orders.change_status(cancelled.order_code, "cancelled", admin_id=admin.id, now=at(4, 11))
    orders.place_order(dan.id, [(socks.id, 3)], shipping_address=ADDRESS, now=at(4, 12))
    orders.place_order(ann.id, [(bottle.id, 1)], shipping_address=ADDRESS, now=at(4, 13))
    ben_order = orders.place_order(
        ben.id, [(bottle.id, 1)], shipping_address=ADDRESS, now=at(4, 23)
    )
    orders.cancel_by_member(ben.id, ben_order.order_code, now=at(4, 23))
    # After the range: must not count.
    orders.place_order(ann.id, [(bottle.id, 1)], shipping_address=ADDRESS, now=at(5, 9))
    return {"mat": mat, "socks": socks, "bottle": bottle}


def test_activity_numbers(data_set):
    report = analytics.analytics(START, END)
    assert [(p.day, p.active_members, p.credited_steps) for p in report.days] == [
        (date(2026, 3, 2), 1, 8_000),  # Ann: the larger of her two sources
        (date(2026, 3, 3), 3, 16_000),  # Ann 12,000 + Ben 4,000 + Dan's rejected day 0
        (date(2026, 3, 4), 2, 16_000),  # Ben's approved 9,000 + Dan 7,000
    ]
    assert [p.average_steps for p in report.days] == [8_000, 5_333, 8_000]
    assert report.active_member_days == 6
    assert report.average_daily_active == 2.0
    assert report.average_steps == round(40_000 / 6)
    assert report.unique_active_members == 3


def test_coin_numbers(data_set):
    report = analytics.analytics(START, END)
    # Issued by day: Ann 80 | Ann 120 + Ben 40 + Ben 50 (for 03-01, paid 03-03) | Ben 90 + Dan 70
    assert [p.coins_issued for p in report.days] == [80, 210, 160]
    assert [p.coins_frozen for p in report.days] == [0, 2_000, 300 + 900 + 100 + 100]
    assert [p.coins_spent for p in report.days] == [0, 0, 2_000]
    assert report.coins == analytics.CoinTotals(
        issued=450, spent=2_000, frozen=3_400, released=400, refunded=0, adjusted=5_000
    )


def test_review_numbers(data_set):
    review_numbers = analytics.analytics(START, END).review
    # Records: Ann 3, Ben 2 (03-01 is outside), Dan 2; flagged: Ben 03-04 and Dan 03-03.
    assert review_numbers == analytics.ReviewNumbers(records=7, flagged=2, reviewed=2, approved=1)
    assert review_numbers.flag_rate == pytest.approx(2 / 7)
    assert review_numbers.approval_rate == 0.5


def test_top_products_count_units_and_leave_out_cancelled_orders(data_set):
    report = analytics.analytics(START, END)
    assert [(p.title, p.units, p.coins) for p in report.top_products] == [
        ("Socks", 3, 900),
        ("Mat", 2, 2_000),
        ("Bottle", 1, 100),
    ]


def test_funnel_of_members_registered_in_the_range(data_set):
    # Ann, Ben and Cat registered in the range (Dan before it); Ann and Ben synced;
    # only Ann has an order that is not cancelled.
    assert analytics.analytics(START, END).funnel == analytics.Funnel(3, 2, 1)


def test_a_range_of_one_day_counts_only_that_day(data_set):
    report = analytics.analytics(date(2026, 3, 2), date(2026, 3, 2))
    assert [(p.active_members, p.credited_steps, p.coins_issued) for p in report.days] == [
        (1, 8_000, 80)
    ]
    assert report.coins.adjusted == 5_000 and report.coins.frozen == 0
    assert report.review == analytics.ReviewNumbers(records=2, flagged=0, reviewed=0, approved=0)
    assert report.review.approval_rate is None
    assert report.funnel == analytics.Funnel(1, 1, 1)
    assert report.top_products == []


def test_an_empty_range_is_all_zeros(app):
    report = analytics.analytics(date(2020, 1, 1), date(2020, 1, 7))
    assert len(report.days) == 7
    assert report.active_member_days == 0 and report.average_steps == 0
    assert report.review.flag_rate is None
    assert report.funnel == analytics.Funnel(0, 0, 0)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (date(2026, 3, 5), date(2026, 3, 4), "must not be after"),
        (date(2025, 1, 1), date(2026, 3, 4), "at most 366 days"),
    ],
)
def test_bad_ranges_are_refused(start, end, message):
    with pytest.raises(ValidationFailed, match=message):
        analytics.analytics(start, end)


# --- the page ---------------------------------------------------------------------------------


def stat(html: str, name: str) -> str:
    match = re.search(rf'id="stat-{name}">([^<]+)<', html)
    assert match, name
    return match.group(1)


def metric(html: str, name: str) -> str:
    match = re.search(rf'data-metric="{name}">([^<]+)<', html)
    assert match, name
    return match.group(1)


def test_the_page_shows_the_numbers_and_the_charts(admin_client, data_set):
    answer = admin_client.get("/admin/analytics?from=2026-03-02&to=2026-03-04")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert stat(html, "daily-active") == "2.0"
    assert stat(html, "average-steps") == "6,667"
    assert stat(html, "flag-rate") == "28.6%"
    assert stat(html, "approval-rate") == "50.0%"
    assert [metric(html, m) for m in ("issued", "spent", "frozen", "released", "adjusted")] == [
        "450",
        "2,000",
        "3,400",
        "400",
        "+5,000",
    ]
    top = html[html.index('id="top-products"') :]
    assert top.index("Socks") < top.index("Mat") < top.index("Bottle")
    funnel = html[html.index('id="funnel"') :]
    assert re.search(r"Registered</th><td class=\"num\">3<", funnel)
    assert re.search(r"Synced steps</th><td class=\"num\">2<", funnel)
    assert re.search(r"Redeemed a reward</th><td class=\"num\">1<", funnel)

    charts = [json.loads(raw) for raw in re.findall(r"data-chart='([^']+)'", html)]
    activity = charts[0]
    assert activity["labels"] == ["2026-03-02", "2026-03-03", "2026-03-04"]
    assert activity["series"][0]["data"] == [1, 3, 2]
    assert charts[1]["series"][0]["data"] == [80, 210, 160]
    assert "vendor/chart.umd.min.js" in html and "js/admin-charts.js" in html
    assert not re.search(r'<script[^>]+src="https?://', html)  # no CDN


def test_the_page_defaults_to_the_last_30_days(admin_client):
    html = admin_client.get("/admin/analytics").get_data(as_text=True)
    today = datetime.now(UTC).date()
    assert f'name="from" value="{(today - timedelta(days=29)).isoformat()}"' in html
    assert f'name="to" value="{today.isoformat()}"' in html
    assert "(30 days)" in html
    # Only the admin exists: the empty states show instead of charts.
    assert "No orders in this range" in html and "Nobody registered in this range." in html


def test_a_reversed_range_shows_the_error_and_the_default_range(admin_client):
    answer = admin_client.get("/admin/analytics?from=2026-03-05&to=2026-03-01")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "The start date must not be after the end date." in html
    assert "(30 days)" in html


def test_members_get_403(member_client):
    assert member_client.get("/admin/analytics").status_code == 403


def test_visitors_are_sent_to_the_login_page(client):
    answer = client.get("/admin/analytics")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
