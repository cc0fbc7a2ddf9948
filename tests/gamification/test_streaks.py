"""Streaks: one rule (days of STREAK_MIN_STEPS+ credited steps) for the dashboard and badges."""

from __future__ import annotations

from datetime import date, timedelta

from app.gamification.streaks import STREAK_MIN_STEPS, current_streak, longest_streak

MONDAY = date(2026, 11, 2)


# --- longest_streak: the badge -----------------------------------------------------------------


def test_longest_streak_counts_consecutive_qualifying_days():
    days = [(MONDAY + timedelta(days=i), 6000) for i in range(5)]

    assert longest_streak(days) == 5


def test_a_missing_day_breaks_the_streak():
    days = [(MONDAY, 6000), (MONDAY + timedelta(days=1), 6000), (MONDAY + timedelta(days=3), 6000)]

    assert longest_streak(days) == 2


def test_a_day_below_the_minimum_breaks_the_streak():
    days = [
        (MONDAY, 6000),
        (MONDAY + timedelta(days=1), STREAK_MIN_STEPS - 1),
        (MONDAY + timedelta(days=2), 6000),
        (MONDAY + timedelta(days=3), 6000),
    ]

    assert longest_streak(days) == 2


def test_a_day_of_exactly_the_minimum_counts():
    days = [(MONDAY, STREAK_MIN_STEPS), (MONDAY + timedelta(days=1), STREAK_MIN_STEPS)]

    assert longest_streak(days) == 2


def test_the_longest_run_wins_not_the_latest():
    first_run = [(MONDAY + timedelta(days=i), 8000) for i in range(4)]
    later_run = [(MONDAY + timedelta(days=10 + i), 8000) for i in range(2)]

    assert longest_streak(later_run + first_run) == 4


def test_streak_does_not_depend_on_input_order():
    days = [(MONDAY + timedelta(days=i), 7000) for i in (3, 0, 2, 1)]

    assert longest_streak(days) == 4


def test_no_qualifying_days_is_a_zero_streak():
    assert longest_streak([]) == 0
    assert longest_streak([(MONDAY, 100), (MONDAY + timedelta(days=1), 4999)]) == 0


# --- current_streak: the dashboard ---------------------------------------------------------------


def run_of(steps: list[int], last: date) -> dict[date, int]:
    """Consecutive days ending on `last`, oldest first."""
    first = last - timedelta(days=len(steps) - 1)
    return {first + timedelta(days=i): count for i, count in enumerate(steps)}


def test_the_current_streak_ends_today():
    assert current_streak(run_of([6000, 7000, 5000], MONDAY), MONDAY) == 3


def test_today_short_of_the_minimum_does_not_end_the_streak_yet():
    days = run_of([6000, 7000, 1200], MONDAY)
    assert current_streak(days, MONDAY) == 2
    assert current_streak(run_of([6000, 7000], MONDAY - timedelta(days=1)), MONDAY) == 2


def test_a_short_yesterday_ends_the_current_streak():
    days = run_of([6000, 7000, STREAK_MIN_STEPS - 1, 0], MONDAY)
    assert current_streak(days, MONDAY) == 0


def test_days_under_the_minimum_never_make_a_streak_on_either_reading():
    days = run_of([3000] * 8, MONDAY)
    assert current_streak(days, MONDAY) == longest_streak(days.items()) == 0


def test_the_current_streak_is_never_longer_than_the_longest():
    days = run_of([9000] * 5 + [0] + [6000] * 3, MONDAY)
    assert (current_streak(days, MONDAY), longest_streak(days.items())) == (3, 5)
