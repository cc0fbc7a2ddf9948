"""A day's credited steps (SPEC §3) are defined once, and every reader agrees on them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.backoffice import analytics
from app.backoffice.settings import get_settings
from app.extensions import db
from app.fraud import review
from app.gamification import achievements, friends, leaderboards
from app.models.base import utcnow
from app.models.gamification import LeaderboardEntry
from app.models.steps import StepRecord, StepValidation
from app.models.users import User
from app.steps import sync
from app.steps.credited import credited_by_day, credited_by_member


def record(user: User, day: date, steps: int, source: str, status: str = "verified") -> None:
    db.session.add(
        StepRecord(user_id=user.id, recorded_date=day, source=source, steps=steps, status=status)
    )
    db.session.commit()


@pytest.fixture
def walked(member: User, admin: User) -> dict[date, int]:
    """Four days: under review, rejected, approved on review, over the daily cap.

    Returns the credited steps each reader must report (days with nothing credited absent).
    """
    today = sync.member_today(member)
    under_review, rejected, approved, over_cap = (today - timedelta(days=n) for n in (4, 3, 2, 1))
    record(member, under_review, 4_000, "fitbit")
    record(member, under_review, 12_000, "google_fit", status="pending")
    record(member, rejected, 50_000, "google_fit", status="rejected")
    held = sync.sync_records(
        member,
        [sync.IncomingRecord(approved, 9_000, "manual", recording_method="manual")],
    )
    assert held[0].status == "flagged"
    case = db.session.execute(select(StepValidation)).scalar_one()
    review.approve(case.id, admin_id=admin.id)
    record(member, over_cap, 30_000, "google_fit")
    record(member, over_cap, 25_000, "apple_health")
    return {under_review: 4_000, approved: 9_000, over_cap: 30_000}


def test_a_day_is_credited_its_largest_verified_record_uncapped(member, walked):
    assert credited_by_day(member.id) == walked
    assert get_settings().daily_step_cap < max(walked.values())


def test_the_cap_limits_a_days_coins_not_its_credited_steps(member, walked):
    over_cap = max(walked)
    assert sync.day_coin_target(member.id, over_cap, get_settings()) == 200


def test_sync_history_and_the_steps_page_read_the_same_days(member, walked):
    start, end = min(walked) - timedelta(days=1), max(walked)
    totals = {d.day: d.credited_steps for d in sync.daily_totals(member.id, start, end)}
    assert {day: steps for day, steps in totals.items() if steps} == walked
    assert credited_by_member([member.id], start)[member.id] == walked


def test_achievements_count_the_credited_days(member, walked):
    facts = achievements.member_facts(member.id)
    assert (facts.total_steps, facts.daily_steps) == (sum(walked.values()), 30_000)


def test_the_admin_analytics_page_counts_the_credited_days(member, walked):
    start, end = min(walked), max(walked)
    page = {p.day: p.credited_steps for p in analytics.analytics(start, end).days}
    assert {day: steps for day, steps in page.items() if steps} == walked


def test_leaderboards_and_friends_count_the_credited_days(member, walked):
    board = leaderboards.PeriodWindow("all_time", leaderboards.ALL_TIME_START, None)
    leaderboards.rebuild_board(board, now=utcnow())
    entry = db.session.execute(select(LeaderboardEntry)).scalar_one()
    assert (entry.user_id, entry.total_steps) == (member.id, sum(walked.values()))
    weekly = friends.weekly_steps([member.id], min(walked), max(walked))
    assert weekly == {member.id: sum(walked.values())}
