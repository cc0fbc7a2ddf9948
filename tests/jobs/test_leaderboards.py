"""The leaderboards job: credited steps ranked per period, ties, exclusions, closed periods."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.core.errors import ValidationFailed
from app.extensions import db
from app.gamification import leaderboards
from app.jobs import run_job
from app.models.admin import Setting
from app.models.gamification import LeaderboardEntry
from tests.jobs.conftest import NOW, at

MONDAY = date(2025, 3, 10)


def board(period: str, start: date) -> list[tuple[int, int, int]]:
    """(rank, user_id, total_steps) of a stored board, best first."""
    rows = db.session.execute(
        select(LeaderboardEntry.rank, LeaderboardEntry.user_id, LeaderboardEntry.total_steps)
        .where(LeaderboardEntry.period == period, LeaderboardEntry.period_start == start)
        .order_by(LeaderboardEntry.rank)
    ).all()
    return [tuple(row) for row in rows]


def generated(period: str, start: date):
    return leaderboards.generated_at(period, period_start=start)


def test_a_day_counts_its_largest_verified_record_never_the_sum(make_member, add_steps):
    ana, ben = make_member(full_name="Ana Alpha"), make_member(full_name="Ben Beta")
    add_steps(ana, MONDAY, 5000, source="google_fit")
    add_steps(ana, MONDAY, 4000, source="fitbit")
    add_steps(ana, MONDAY + timedelta(days=1), 3000)
    add_steps(ben, MONDAY, 6000)
    add_steps(ben, MONDAY + timedelta(days=1), 9000, status="pending")
    add_steps(ben, MONDAY + timedelta(days=1), 9500, source="fitbit", status="rejected")

    leaderboards.rebuild_leaderboards(now=NOW)

    assert board("weekly", MONDAY) == [(1, ana.id, 8000), (2, ben.id, 6000)]


def test_a_tie_goes_to_whoever_reached_the_total_first(make_member, add_steps):
    late, early = make_member(), make_member()
    add_steps(late, MONDAY, 7000, synced_at=at(MONDAY + timedelta(days=1), 9))
    add_steps(early, MONDAY, 4000, synced_at=at(MONDAY, 20))
    add_steps(early, MONDAY + timedelta(days=1), 3000, synced_at=at(MONDAY + timedelta(days=1), 8))

    leaderboards.rebuild_leaderboards(now=NOW)

    assert board("weekly", MONDAY) == [(1, early.id, 7000), (2, late.id, 7000)]
    top = leaderboards.top_entries("weekly")
    assert top[0].reached_at == at(MONDAY + timedelta(days=1), 8)


def test_an_exact_tie_in_time_goes_to_the_lower_user_id(make_member, add_steps):
    first, second = make_member(), make_member()
    add_steps(second, MONDAY, 5000, synced_at=at(MONDAY))
    add_steps(first, MONDAY, 5000, synced_at=at(MONDAY))

    leaderboards.rebuild_leaderboards(now=NOW)

    assert [row[1] for row in board("weekly", MONDAY)] == [first.id, second.id]


def test_a_later_sync_of_an_equal_smaller_source_does_not_move_reached_at(make_member, add_steps):
    walker = make_member()
    add_steps(walker, MONDAY, 5000, source="google_fit", synced_at=at(MONDAY, 20))
    add_steps(walker, MONDAY, 5000, source="fitbit", synced_at=at(MONDAY, 23))
    add_steps(walker, MONDAY, 100, source="apple_health", synced_at=at(MONDAY, 23, 30))

    leaderboards.rebuild_leaderboards(now=NOW)

    assert leaderboards.top_entries("weekly")[0].reached_at == at(MONDAY, 20)


def test_hidden_banned_deactivated_and_deleted_members_are_left_out(make_member, add_steps):
    shown = make_member()
    hidden, banned, deactivated, deleted = (make_member() for _ in range(4))
    hidden.leaderboard_hidden = True
    banned.status = "banned"
    deactivated.status = "deactivated"
    deleted.deleted_at = NOW - timedelta(days=1)
    db.session.commit()
    for user in (shown, hidden, banned, deactivated, deleted):
        add_steps(user, MONDAY, 9000)

    leaderboards.rebuild_leaderboards(now=NOW)

    for start, period in ((MONDAY, "weekly"), (date(2025, 3, 1), "monthly")):
        assert board(period, start) == [(1, shown.id, 9000)]
    assert board("all_time", date(1970, 1, 1)) == [(1, shown.id, 9000)]


def test_every_member_is_ranked_and_the_top_list_honours_its_setting(make_member, add_steps):
    db.session.add(Setting(key="leaderboard_top_weekly", value=2))
    db.session.commit()
    walkers = [make_member(full_name=f"Walker Number{i}") for i in range(3)]
    for index, walker in enumerate(walkers):
        add_steps(walker, MONDAY, 10_000 - index * 1000)

    leaderboards.rebuild_leaderboards(now=NOW)

    assert len(board("weekly", MONDAY)) == 3
    top = leaderboards.top_entries("weekly", limit=50)
    assert [(row.rank, row.display_name) for row in top] == [
        (1, "Walker N."),
        (2, "Walker N."),
    ]
    assert leaderboards.top_entries("weekly", limit=1)[0].user_id == walkers[0].id
    third = leaderboards.member_rank(walkers[2].id, "weekly")
    assert third is not None
    assert (third.rank, third.total_steps, third.period_start) == (3, 8000, MONDAY)
    assert third.generated_at == NOW
    assert leaderboards.member_rank(make_member().id, "weekly") is None


def test_monthly_and_all_time_boards_cover_their_own_dates(make_member, add_steps):
    walker = make_member()
    add_steps(walker, date(2025, 2, 27), 4000)
    add_steps(walker, date(2025, 3, 3), 2000)
    add_steps(walker, MONDAY, 1000)

    leaderboards.rebuild_leaderboards(now=NOW)

    assert board("weekly", MONDAY) == [(1, walker.id, 1000)]
    assert board("weekly", date(2025, 3, 3)) == [(1, walker.id, 2000)]
    assert board("monthly", date(2025, 3, 1)) == [(1, walker.id, 3000)]
    assert board("monthly", date(2025, 2, 1)) == [(1, walker.id, 4000)]
    assert board("all_time", date(1970, 1, 1)) == [(1, walker.id, 7000)]


def test_the_current_board_is_replaced_not_appended(make_member, add_steps):
    ana, ben = make_member(), make_member()
    add_steps(ana, MONDAY, 5000)
    leaderboards.rebuild_leaderboards(now=NOW)
    add_steps(ben, MONDAY + timedelta(days=1), 8000)

    later = NOW + timedelta(hours=12)
    leaderboards.rebuild_leaderboards(now=later)

    assert board("weekly", MONDAY) == [(1, ben.id, 8000), (2, ana.id, 5000)]
    assert generated("weekly", MONDAY) == later


def test_a_closed_period_is_never_recomputed(make_member, add_steps):
    walker, newcomer = make_member(), make_member()
    old_week = date(2025, 2, 24)  # ended 2025-03-03, settled on 2025-03-11
    add_steps(walker, old_week, 4000)
    leaderboards.rebuild_leaderboards(now=NOW)
    assert board("weekly", old_week) == [(1, walker.id, 4000)]

    add_steps(newcomer, old_week + timedelta(days=1), 9000)
    add_steps(walker, old_week + timedelta(days=2), 9000)
    leaderboards.rebuild_leaderboards(now=NOW + timedelta(days=1))
    leaderboards.rebuild_leaderboards(now=NOW + timedelta(days=30))

    assert board("weekly", old_week) == [(1, walker.id, 4000)]
    assert generated("weekly", old_week) == NOW


def test_a_past_week_keeps_taking_backfill_until_it_settles_then_is_built_once_more(
    make_member, add_steps
):
    walker = make_member()
    last_week = date(2025, 3, 3)  # ends 2025-03-10; settles 2025-03-18 (7 backfill days + 1)
    add_steps(walker, last_week, 3000)
    leaderboards.rebuild_leaderboards(now=NOW)
    assert board("weekly", last_week) == [(1, walker.id, 3000)]

    add_steps(walker, last_week + timedelta(days=6), 2000)  # Sunday, backfilled on Thursday
    leaderboards.rebuild_leaderboards(now=NOW + timedelta(days=1))
    assert board("weekly", last_week) == [(1, walker.id, 5000)]

    add_steps(walker, last_week + timedelta(days=5), 1000)  # synced just before it settled
    settled = at(date(2025, 3, 18), 2)
    leaderboards.rebuild_leaderboards(now=settled)
    assert board("weekly", last_week) == [(1, walker.id, 6000)]

    add_steps(walker, last_week + timedelta(days=4), 1000)
    leaderboards.rebuild_leaderboards(now=settled + timedelta(days=1))
    assert board("weekly", last_week) == [(1, walker.id, 6000)]
    assert generated("weekly", last_week) == settled


def test_plan_covers_current_unsettled_and_newest_settled_boards(app):
    plan = [(w.period, w.start) for w in leaderboards.plan_boards(now=NOW)]

    assert plan == [
        ("weekly", date(2025, 3, 10)),
        ("weekly", date(2025, 3, 3)),
        ("weekly", date(2025, 2, 24)),
        ("monthly", date(2025, 3, 1)),
        ("monthly", date(2025, 2, 1)),
        ("all_time", date(1970, 1, 1)),
    ]


def test_hiding_takes_effect_on_reads_before_the_next_build(make_member, add_steps):
    ana, ben = make_member(), make_member()
    add_steps(ana, MONDAY, 9000)
    add_steps(ben, MONDAY, 5000)
    leaderboards.rebuild_leaderboards(now=NOW)

    ana.leaderboard_hidden = True
    db.session.commit()

    assert [row.user_id for row in leaderboards.top_entries("weekly")] == [ben.id]
    assert leaderboards.member_rank(ana.id, "weekly") is None
    assert leaderboards.member_rank(ben.id, "weekly").rank == 2


def test_reads_before_any_build_are_empty(app):
    assert leaderboards.top_entries("monthly") == []
    assert leaderboards.member_rank(1, "all_time") is None
    assert leaderboards.generated_at("weekly") is None


def test_an_unknown_period_is_refused(app):
    with pytest.raises(ValidationFailed):
        leaderboards.top_entries("daily")


def test_the_job_records_its_boards(make_member, add_steps):
    walker = make_member()
    add_steps(walker, MONDAY, 4321)

    result = run_job("leaderboards", now=NOW)

    assert result.outcome == "success"
    assert result.rows_touched == 3  # one member on the current week, month and all-time
    boards = {(b["period"], b["period_start"]): b for b in result.details["boards"]}
    assert boards[("weekly", "2025-03-10")] == {
        "period": "weekly",
        "period_start": "2025-03-10",
        "members_ranked": 1,
        "final": False,
    }
    assert boards[("weekly", "2025-02-24")]["final"] is True
