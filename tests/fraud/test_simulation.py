"""The labeled simulation, small and seeded: false-flag and catch rates are model properties.

`make bench-fraud` runs the same simulation at full size and prints every rate.
"""

from __future__ import annotations

import pytest

from bench.fraud.simulate import Report, run

# Patterns with a part the data cannot tell (bench/fraud/simulate.py, CANNOT_TELL_*): a slow
# ramp stays inside the member's own variation; a shaker session under 75 minutes with no
# give-away distance looks like an hour on a treadmill. Their told parts are checked below.
CANNOT_TELL = {"slow_ramp", "shaker_with_distance", "shaker_without_distance"}


@pytest.fixture(scope="module")
def report() -> Report:
    return run(honest=240, cheats_per_pattern=8, seed=13)


def test_at_most_one_percent_of_honest_member_days_are_flagged(report: Report) -> None:
    assert report.honest.days > 5000
    assert report.honest.rate <= 0.01


def test_no_honest_pattern_is_flagged_on_more_than_two_percent_of_its_days(
    report: Report,
) -> None:
    honest = {name: t for name, t in report.patterns.items() if t.honest}

    assert set(honest) == {
        "regular",
        "getting_fitter",
        "hiker",
        "runner",
        "treadmill_runner",
        "shift_worker",
        "phone_switcher",
        "watch_adder",
        "new_member",
    }
    assert {name: t.rate for name, t in honest.items() if t.rate > 0.02} == {}


def test_every_cheat_pattern_the_data_can_tell_is_caught_on_nine_days_in_ten(
    report: Report,
) -> None:
    cheats = {name: t for name, t in report.patterns.items() if not t.honest}

    assert {"cap_farmer", "device_sharer", "referral_ring", "manual_entry"} <= set(cheats)
    assert {
        name: round(t.rate, 3)
        for name, t in cheats.items()
        if name not in CANNOT_TELL and t.rate < 0.90
    } == {}


def test_long_shaker_sessions_are_caught_with_or_without_distance(report: Report) -> None:
    for pattern in ("shaker_with_distance", "shaker_without_distance"):
        assert report.variants[f"{pattern}: shaken 75 min or more"].rate >= 0.90


def test_cheat_days_the_data_can_tell_are_caught_on_at_least_95_percent(report: Report) -> None:
    assert report.told.days > 0.8 * report.cheats.days
    assert report.told.rate >= 0.95


def test_every_flag_carries_a_reason_a_member_can_read(report: Report) -> None:
    assert report.flags_without_reason == 0


def test_referral_rings_on_shared_phones_are_held_and_friends_are_paid(report: Report) -> None:
    ring_total, ring_held = report.bonuses[False]
    friends_total, friends_held = report.bonuses[True]

    assert ring_total > 0 and ring_held == ring_total
    assert friends_total > 0 and friends_held == 0
