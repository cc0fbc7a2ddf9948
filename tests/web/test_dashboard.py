"""Landing, the dashboard and the header counters."""

from __future__ import annotations

from datetime import timedelta

from app.core import notifications
from app.extensions import db
from app.gamification import leaderboards
from app.models.steps import StepValidation
from app.steps import sync as steps


def test_landing_invites_visitors_and_sends_members_to_the_dashboard(client, signed_in):
    visitor = client.application.test_client().get("/")
    assert visitor.status_code == 200
    assert "Create a free account" in visitor.text
    assert signed_in.get("/").headers["Location"] == "/dashboard"


def test_dashboard_shows_today_against_the_cap_coins_and_streak(signed_in, walk):
    user = signed_in.user
    today = steps.member_today(user)
    walk(user, 6000, today - timedelta(days=1))
    walk(user, 8500, today)

    page = signed_in.get("/dashboard").text

    assert "8,500" in page and "85 coins earned" in page
    assert "11,500 steps to the 20,000 cap" in page
    assert '<p class="stat-value">145</p>' in page
    assert "2 <small>days</small>" in page
    assert "data-chart=" in page and "chart.umd.min.js" in page


def test_an_empty_dashboard_says_what_to_do_next(signed_in):
    page = signed_in.get("/dashboard").text
    assert "No steps yet" in page and "sync" in page.lower()
    assert "Nothing flagged" in page


def test_chart_range_switches_with_one_htmx_request_that_returns_only_the_chart(signed_in):
    answer = signed_in.htmx_get("/dashboard?range=7")

    assert answer.status_code == 200
    assert "HX-Request" in answer.headers["Vary"]
    assert answer.text.lstrip().startswith('<article id="steps-chart-card"')
    assert "<html" not in answer.text
    assert "last 7 days" in answer.text
    assert 'aria-current="true">7 days' in answer.text.replace("\n", "").replace("  ", "")


def test_chart_range_without_javascript_is_a_plain_link(signed_in):
    page = signed_in.get("/dashboard?range=90").text
    assert "<html" in page and "last 90 days" in page
    assert "steps in the last 30 days" in signed_in.get("/dashboard?range=12").text


def test_dashboard_lists_flagged_days_with_their_status(signed_in, walk):
    user = signed_in.user
    results = walk(user, 90_000)
    assert results[0].status == "flagged"

    page = signed_in.get("/dashboard").text

    assert "Under review" in page
    case = db.session.query(StepValidation).one()
    assert f"#day-{case.recorded_date.isoformat()}" in page


def test_dashboard_shows_my_weekly_rank_and_latest_badges(signed_in, walk, make_member):
    from app.models.gamification import Achievement
    from seeds.initial import ACHIEVEMENTS

    db.session.add(Achievement(**ACHIEVEMENTS[0]))
    db.session.commit()
    rival = make_member(full_name="Rita Rival")
    walk(rival, 12_000)
    walk(signed_in.user, 9_000)
    leaderboards.rebuild_leaderboards()
    db.session.commit()

    page = signed_in.get("/dashboard").text

    assert "#2" in page and "9,000 steps" in page
    assert "First Steps" in page and "+10 coins" in page


def test_header_counts_refresh_by_polling_and_events(signed_in):
    page = signed_in.get("/dashboard").text
    assert 'hx-get="/header-counts"' in page
    assert "every 30s" in page and "notifications-changed from:body" in page

    notifications.notify(signed_in.user.id, "test", "Hello")
    db.session.commit()
    badge = signed_in.htmx_get("/header-counts")

    assert badge.status_code == 200
    assert "Notifications, 1 unread" in badge.text
    assert "<html" not in badge.text


def _chart_of(page: str) -> dict:
    import html
    import json
    import re

    match = re.search(r"<canvas data-chart='([^']+)'", page)
    assert match, "the page has a steps chart"
    return json.loads(html.unescape(match.group(1)))


def test_days_under_review_and_rejected_are_drawn_at_their_height_in_their_colours(
    signed_in, walk, make_member
):
    from app.fraud import review
    from app.web.charts import AMBER, GREEN, RED

    user = signed_in.user
    today = steps.member_today(user)
    walk(user, 7_000, today - timedelta(days=2))
    assert walk(user, 90_000, today - timedelta(days=1))[0].status == "flagged"
    assert walk(user, 95_000, today)[0].status == "flagged"
    admin = make_member(role="admin")
    rejected = db.session.query(StepValidation).filter_by(recorded_date=today).one()
    review.reject(rejected.id, admin_id=admin.id, note="Not walking")

    page = signed_in.get("/dashboard?range=7").text
    bars = _chart_of(page)["datasets"][0]

    assert bars["data"][-3:] == [7_000, 90_000, 95_000]
    assert bars["backgroundColor"][-3:] == [GREEN, AMBER, RED]
    assert bars["statuses"][-3:] == ["Credited", "Under review", "Rejected"]
    assert bars["credited"][-3:] == [7_000, 0, 0]
    # The accessible table says the same.
    day = (today - timedelta(days=1)).isoformat()
    assert f'data-day="{day}" data-status="pending"' in page
    assert "Under review</td>" in page and "Rejected</td>" in page and "90,000" in page


def test_a_day_partly_under_review_shows_the_recorded_height_and_what_counts(signed_in, walk):
    user = signed_in.user
    today = steps.member_today(user)
    walk(user, 6_000, today, source="fitbit")
    assert walk(user, 90_000, today)[0].status == "flagged"

    bars = _chart_of(signed_in.get("/dashboard?range=7").text)["datasets"][0]

    assert (bars["data"][-1], bars["credited"][-1], bars["statuses"][-1]) == (
        90_000,
        6_000,
        "Under review",
    )


def test_the_steps_page_chart_draws_flagged_days_too(signed_in, walk):
    user = signed_in.user
    today = steps.member_today(user)
    assert walk(user, 90_000, today)[0].status == "flagged"

    page = signed_in.get("/steps").text
    bars = _chart_of(page)["datasets"][0]

    assert bars["data"][-1] == 90_000 and bars["statuses"][-1] == "Under review"
    assert f'data-day="{today.isoformat()}" data-status="pending"' in page


def _week_warrior() -> None:
    from app.models.gamification import Achievement
    from seeds.initial import ACHIEVEMENTS

    db.session.add(Achievement(**next(a for a in ACHIEVEMENTS if a["code"] == "week_streak")))
    db.session.commit()


def test_short_days_make_no_streak_on_the_dashboard_nor_the_week_warrior_badge(signed_in, walk):
    _week_warrior()
    today = steps.member_today(signed_in.user)
    for back in range(8):
        walk(signed_in.user, 3000, today - timedelta(days=back))

    dashboard = signed_in.get("/dashboard").text
    badges = signed_in.get("/achievements").text

    assert "0 <small>days</small>" in dashboard and "Days of 5,000+ steps" in dashboard
    assert "0 / 7 days in a row" in badges


def test_the_dashboard_streak_and_the_week_warrior_badge_count_the_same_days(signed_in, walk):
    _week_warrior()
    today = steps.member_today(signed_in.user)
    for back in range(3):
        walk(signed_in.user, 6000, today - timedelta(days=back))

    assert "3 <small>days</small>" in signed_in.get("/dashboard").text
    assert "3 / 7 days in a row" in signed_in.get("/achievements").text

    for back in range(3, 8):
        walk(signed_in.user, 6000, today - timedelta(days=back))

    assert "8 <small>days</small>" in signed_in.get("/dashboard").text
    badges = signed_in.get("/achievements").text
    assert "Week Warrior" in badges and "Unlocked" in badges


def test_the_dashboard_offers_an_appeal_only_for_a_rejected_day_not_yet_appealed(
    signed_in, walk, make_member
):
    from app.fraud import appeals, review

    user = signed_in.user
    today = steps.member_today(user)
    assert walk(user, 95_000, today)[0].status == "flagged"
    assert "You can appeal" not in signed_in.get("/dashboard").text  # under review
    rejected = db.session.query(StepValidation).filter_by(recorded_date=today).one()
    review.reject(rejected.id, admin_id=make_member(role="admin").id, note="Not walking")
    assert "You can appeal" in signed_in.get("/dashboard").text
    appeals.appeal_day(user.id, today, "I walked a marathon.")
    assert "You can appeal" not in signed_in.get("/dashboard").text
