"""app/steps/sync called directly: a day's credited steps, its coins, the backfill window,
and the pure rules (coins for steps, a day's status)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from app.backoffice.settings import get_settings
from app.extensions import db
from app.steps import sync as steps
from app.steps.sync import DayTotal, IncomingRecord

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def walked(
    day: date, count: int, source: str = "google_fit", recording_method: str = "automatic"
) -> IncomingRecord:
    return IncomingRecord(
        day=day,
        steps=count,
        source=source,
        distance_m=count * 0.75,
        active_minutes=max(1, count // 100),
        recording_method=recording_method,
    )


def day_total(
    day: date, credited: int = 0, *, rejected: bool = False, rejected_steps: int = 0
) -> DayTotal:
    return DayTotal(
        day=day,
        credited_steps=credited,
        coins=0,
        pending=False,
        rejected=rejected,
        rejected_steps=rejected_steps,
    )


def test_two_sources_on_one_day_credit_the_larger_record_once(member):
    today = steps.member_today(member, NOW)
    results = steps.sync_records(
        member,
        [walked(today, 6_000, "google_fit"), walked(today, 8_000, "apple_health")],
        now=NOW,
    )
    assert [r.status for r in results] == ["accepted", "accepted"]
    # The day's coins are put on its largest record, never paid for both.
    assert [r.coins_awarded for r in results] == [0, 80]
    (total,) = steps.daily_totals(member.id, today, today)
    assert (total.credited_steps, total.coins, total.status) == (8_000, 80, "credited")
    db.session.refresh(member.wallet)
    assert member.wallet.available_coins == 80


def test_a_batch_naming_one_day_twice_keeps_the_later_record(member):
    today = steps.member_today(member, NOW)
    yesterday = today - timedelta(days=1)
    results = steps.sync_records(
        member,
        [
            walked(today, 5_000),
            walked(yesterday, 4_000),
            walked(today, 7_000),
            walked(today, 7_000),
        ],
        now=NOW,
    )
    # One upsert cannot touch a row twice: the repeat goes in after the first, in order.
    assert [r.status for r in results] == ["accepted", "accepted", "accepted", "unchanged"]
    assert [r.coins_awarded for r in results] == [0, 40, 70, 0]
    (record,) = [r for r in steps.records_between(member.id, today, today)]
    assert (record.steps, record.status) == (7_000, "verified")
    db.session.refresh(member.wallet)
    assert member.wallet.available_coins == 110


def test_a_resync_writes_only_the_changed_records_and_pays_only_the_difference(member):
    today = steps.member_today(member, NOW)
    days = [today - timedelta(days=d) for d in range(3)]
    steps.sync_records(member, [walked(day, 6_000) for day in days], now=NOW)
    results = steps.sync_records(
        member, [walked(days[0], 9_000), walked(days[1], 6_000), walked(days[2], 5_000)], now=NOW
    )
    # A lower count is stored (and credited) but never claws coins back.
    assert [(r.status, r.coins_awarded) for r in results] == [
        ("accepted", 30),
        ("unchanged", 0),
        ("accepted", 0),
    ]
    stored = {r.recorded_date: r.steps for r in steps.records_between(member.id, days[2], today)}
    assert stored == {days[0]: 9_000, days[1]: 6_000, days[2]: 5_000}
    db.session.refresh(member.wallet)
    assert member.wallet.available_coins == 210


def test_daily_totals_has_one_entry_per_day_with_zeros_for_days_without_records(member):
    today = steps.member_today(member, NOW)
    steps.sync_records(member, [walked(today - timedelta(days=2), 4_200)], now=NOW)
    days = steps.daily_totals(member.id, today - timedelta(days=3), today)
    assert [d.day for d in days] == [today - timedelta(days=n) for n in (3, 2, 1, 0)]
    assert [d.credited_steps for d in days] == [0, 4_200, 0, 0]
    assert [d.coins for d in days] == [0, 42, 0, 0]


def test_a_day_under_review_earns_nothing_and_shows_as_pending(member):
    today = steps.member_today(member, NOW)
    (result,) = steps.sync_records(
        member, [walked(today, 3_000, "manual", recording_method="manual")], now=NOW
    )
    assert result.status == "flagged" and result.coins_awarded == 0
    (total,) = steps.daily_totals(member.id, today, today)
    assert (total.status, total.credited_steps, total.recorded_steps) == ("pending", 0, 3_000)
    assert steps.recent_validations(member.id)[0].recorded_date == today


def test_days_outside_the_backfill_window_are_refused_and_nothing_is_stored(member):
    today = steps.member_today(member, NOW)
    oldest = today - timedelta(days=get_settings().max_backfill_days)
    results = steps.sync_records(
        member,
        [walked(today + timedelta(days=1), 5_000), walked(oldest - timedelta(days=1), 5_000)],
        now=NOW,
    )
    assert [(r.status, r.reasons[0]["code"]) for r in results] == [
        ("rejected", "future_date"),
        ("rejected", "too_old"),
    ]
    assert steps.records_between(member.id, oldest - timedelta(days=1), today + timedelta(1)) == []


def test_the_oldest_day_of_the_window_is_still_accepted(member):
    today = steps.member_today(member, NOW)
    oldest = today - timedelta(days=get_settings().max_backfill_days)
    (result,) = steps.sync_records(member, [walked(oldest, 5_000)], now=NOW)
    assert result.status == "accepted"


def test_day_coin_targets_are_the_capped_largest_verified_record_per_day(member):
    today = steps.member_today(member, NOW)
    yesterday = today - timedelta(days=1)
    steps.sync_records(
        member,
        [walked(yesterday, 5_050), walked(yesterday, 7_990, "fitbit"), walked(today, 1_234)],
        now=NOW,
    )
    settings = get_settings()
    targets = steps.day_coin_targets(member.id, {yesterday, today, today + timedelta(1)}, settings)
    assert targets == {yesterday: 79, today: 12, today + timedelta(days=1): 0}
    assert steps.day_coin_target(member.id, yesterday, settings) == 79


def test_coins_for_steps_count_whole_hundreds_up_to_the_cap():
    assert steps.coins_for_steps(99, daily_step_cap=20_000, steps_per_coin=100) == 0
    assert steps.coins_for_steps(8_450, daily_step_cap=20_000, steps_per_coin=100) == 84
    assert steps.coins_for_steps(50_000, daily_step_cap=20_000, steps_per_coin=100) == 200


def test_the_member_day_follows_their_time_zone(make_member):
    auckland = make_member(timezone="Pacific/Auckland")
    honolulu = make_member(timezone="Pacific/Honolulu")
    late_utc = datetime(2026, 11, 20, 13, 0, tzinfo=UTC)  # 02:00 next day / 03:00 same day
    assert steps.member_today(auckland, late_utc) == date(2026, 11, 21)
    assert steps.member_today(honolulu, late_utc) == date(2026, 11, 20)


def test_a_rejected_day_with_nothing_credited_reads_as_rejected():
    day = date(2026, 11, 1)
    rejected = day_total(day, 0, rejected=True, rejected_steps=90_000)
    assert (rejected.status, rejected.recorded_steps) == ("rejected", 90_000)
    # A verified record that same day wins: the day is credited, the rejected one is history.
    mixed = day_total(day, 4_000, rejected=True, rejected_steps=90_000)
    assert (mixed.status, mixed.recorded_steps) == ("credited", 4_000)
