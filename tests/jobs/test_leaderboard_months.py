"""The month totals behind the monthly and all-time boards: kept incrementally, they rank
exactly what a count of every credited day from scratch ranks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.fraud import review
from app.gamification import leaderboards
from app.models.gamification import LeaderboardEntry, LeaderboardMonth
from app.models.steps import StepRecord, StepValidation
from app.models.users import User
from app.steps.credited import credited_days
from tests.jobs.conftest import NOW, at

ALL_TIME = date(1970, 1, 1)
MARCH, FEBRUARY, JANUARY = date(2025, 3, 1), date(2025, 2, 1), date(2025, 1, 1)


def board(period: str, start: date) -> list[tuple[int, int, int]]:
    rows = db.session.execute(
        select(LeaderboardEntry.rank, LeaderboardEntry.user_id, LeaderboardEntry.total_steps)
        .where(LeaderboardEntry.period == period, LeaderboardEntry.period_start == start)
        .order_by(LeaderboardEntry.rank)
    ).all()
    return [tuple(row) for row in rows]


def from_scratch(start: date | None = None, end: date | None = None) -> list[tuple[int, int, int]]:
    """(rank, user_id, total_steps) counted from every credited day, as the board rules say."""
    where = []
    if start is not None and end is not None:
        where = [StepRecord.recorded_date >= start, StepRecord.recorded_date < end]
    days = credited_days(*where)
    totals: dict[int, list] = {}
    for user_id, steps, reached_at in db.session.execute(
        select(days.c.user_id, days.c.steps, days.c.reached_at)
    ):
        user = db.session.get_one(User, user_id)
        shown = user.status == "active" and user.deleted_at is None and not user.leaderboard_hidden
        if steps > 0 and shown:
            total = totals.setdefault(user_id, [0, reached_at])
            total[0] += steps
            total[1] = max(total[1], reached_at)
    ordered = sorted(totals.items(), key=lambda item: (-item[1][0], item[1][1], item[0]))
    return [(rank, user_id, total[0]) for rank, (user_id, total) in enumerate(ordered, 1)]


def month_built_at(start: date) -> datetime:
    return db.session.get_one(LeaderboardMonth, start).built_at


@pytest.fixture
def flagged(add_steps, admin):
    """A day under review; `approve(record, when)` decides it as an admin would."""

    def flag(user: User, day: date, steps: int, synced_at: datetime | None = None) -> StepRecord:
        record = add_steps(user, day, steps, status="pending", synced_at=synced_at)
        db.session.add(
            StepValidation(
                step_record_id=record.id,
                user_id=user.id,
                recorded_date=day,
                anomaly_score=80,
                reasons=[{"code": "spike_vs_history", "message": "spike", "weight": 80}],
                status="pending",
            )
        )
        db.session.commit()
        return record

    def approve(record: StepRecord, when: datetime) -> None:
        case = db.session.execute(
            select(StepValidation).where(StepValidation.step_record_id == record.id)
        ).scalar_one()
        review.approve(case.id, admin_id=admin.id, now=when)

    flag.approve = approve  # type: ignore[attr-defined]
    return flag


def test_the_all_time_board_equals_a_count_from_scratch_night_after_night(
    make_member, add_steps, flagged
):
    ana, ben, cy, dee = (make_member(full_name=f"Walker {n}") for n in ("Ana", "Ben", "Cy", "Dee"))
    cy.leaderboard_hidden = True
    db.session.commit()
    for offset, user in enumerate((ana, ben, cy, dee)):
        add_steps(user, date(2025, 1, 20), 6000 + offset * 700)
        add_steps(user, date(2025, 2, 14), 8000 - offset * 500, source="fitbit")
        add_steps(user, date(2025, 2, 14), 7000, source="google_fit")
        add_steps(user, date(2025, 3, 10), 4000 + offset * 100)
    add_steps(ben, date(2025, 2, 15), 9500, status="rejected")
    old_case = flagged(ben, date(2025, 2, 20), 5000)
    recent_case = flagged(dee, date(2025, 3, 5), 3000)

    leaderboards.rebuild_leaderboards(now=NOW)
    assert board("all_time", ALL_TIME) == from_scratch()
    assert len(board("all_time", ALL_TIME)) == 3

    # The next day: a sync, a late approval of a settled month's day, one within the window,
    # and a member banned.
    next_night = NOW + timedelta(days=1)
    add_steps(ana, date(2025, 3, 11), 12_000, synced_at=NOW + timedelta(hours=8))
    flagged.approve(old_case, NOW + timedelta(hours=9))
    flagged.approve(recent_case, NOW + timedelta(hours=10))
    dee.status = "banned"
    db.session.commit()
    leaderboards.rebuild_leaderboards(now=next_night)

    assert board("all_time", ALL_TIME) == from_scratch()
    assert board("monthly", MARCH) == from_scratch(MARCH, date(2025, 4, 1))
    assert (ben.id, 6700 + 7500 + 5000 + 4100) in [row[1:] for row in board("all_time", ALL_TIME)]
    # Only the open month was read again; the settled ones were checked, not rebuilt.
    assert month_built_at(JANUARY) == NOW
    assert month_built_at(FEBRUARY) == NOW
    assert month_built_at(MARCH) == next_night

    # Unhiding brings back the member's whole history at the next build.
    cy.leaderboard_hidden = False
    db.session.commit()
    leaderboards.rebuild_leaderboards(now=next_night + timedelta(days=1))
    assert board("all_time", ALL_TIME) == from_scratch()
    assert cy.id in [row[1] for row in board("all_time", ALL_TIME)]


def test_a_late_approval_counts_on_its_month_until_it_settles_and_on_all_time_always(
    make_member, add_steps, flagged
):
    walker, rival = make_member(), make_member()
    add_steps(walker, date(2025, 2, 10), 5000)
    add_steps(rival, date(2025, 2, 11), 6000)
    within_window = flagged(walker, date(2025, 2, 27), 2000)
    after_settling = flagged(walker, date(2025, 2, 26), 1500)
    early_march = datetime(2025, 3, 5, 2, 0, tzinfo=UTC)  # February settles 03-09
    leaderboards.rebuild_leaderboards(now=early_march)
    assert board("monthly", FEBRUARY) == [(1, rival.id, 6000), (2, walker.id, 5000)]

    flagged.approve(within_window, early_march + timedelta(hours=6))
    leaderboards.rebuild_leaderboards(now=early_march + timedelta(days=1))
    assert board("monthly", FEBRUARY) == [(1, walker.id, 7000), (2, rival.id, 6000)]
    assert board("all_time", ALL_TIME) == from_scratch() == board("monthly", FEBRUARY)

    settled = at(date(2025, 3, 9), 2)
    leaderboards.rebuild_leaderboards(now=settled)
    flagged.approve(after_settling, settled + timedelta(hours=6))
    leaderboards.rebuild_leaderboards(now=settled + timedelta(days=1))

    # The settled monthly board stays as it was built; all-time takes the approval.
    assert board("monthly", FEBRUARY) == [(1, walker.id, 7000), (2, rival.id, 6000)]
    assert board("all_time", ALL_TIME) == from_scratch()
    assert board("all_time", ALL_TIME)[0] == (1, walker.id, 8500)
    assert month_built_at(FEBRUARY) == settled


def test_a_first_build_counts_every_month_of_history(make_member, add_steps):
    walker = make_member()
    for day in (date(2023, 11, 30), date(2024, 6, 1), date(2025, 3, 10)):
        add_steps(walker, day, 1000)

    leaderboards.rebuild_leaderboards(now=NOW)

    assert board("all_time", ALL_TIME) == [(1, walker.id, 3000)] == from_scratch()
    months = db.session.execute(select(LeaderboardMonth.month_start)).scalars().all()
    assert len(months) == 17  # November 2023 to March 2025, empty months included
