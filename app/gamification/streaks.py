"""Streaks, one rule for the dashboard and the badges.

A *streak day* is a day with at least `STREAK_MIN_STEPS` credited steps
(`app.steps.credited`); a streak is a run of consecutive streak days (a calendar day with
fewer steps, or none, ends it). Two readings of the same rule:

- the *current* streak (the dashboard): the run that ends today, or yesterday while today
  has not reached the minimum yet (the day is not over);
- the *longest* streak (the `streak_days` badge criterion): the longest run ever, so a
  badge earned stays earned and backfilled days can complete a run.

The current streak is never longer than the longest: both read the same days.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from app.steps.credited import credited_by_day

# Also in the "Week Warrior" description members read ("at least 5,000 steps").
STREAK_MIN_STEPS = 5000


def is_streak_day(credited_steps: int) -> bool:
    return credited_steps >= STREAK_MIN_STEPS


def longest_streak(days: Iterable[tuple[date, int]]) -> int:
    """Longest run of consecutive calendar days that are streak days."""
    best = run = 0
    previous: date | None = None
    for day, steps in sorted(days):
        if not is_streak_day(steps):
            run, previous = 0, None
            continue
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        previous = day
        best = max(best, run)
    return best


def current_streak(days: Mapping[date, int], today: date) -> int:
    """The run of streak days ending today, or yesterday while today is short of it."""
    day = today if is_streak_day(days.get(today, 0)) else today - timedelta(days=1)
    count = 0
    while is_streak_day(days.get(day, 0)):
        count += 1
        day -= timedelta(days=1)
    return count


def member_current_streak(user_id: int, today: date) -> int:
    """The member's current streak, from all their credited days (no window cuts it short)."""
    return current_streak(credited_by_day(user_id), today)
