"""Landing, the dashboard and the header counters."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models.steps import StepValidation
from app.services import leaderboards, notifications, steps


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
