"""Anti-cheat scoring (SPEC §3): pure functions, so no app and no database here."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.services.anticheat import (
    MIN_PERSONAL_DAYS,
    POPULATION_BASELINE,
    Baseline,
    DayEvidence,
    Interval,
    Reason,
    anomaly_reasons,
    assess_day,
    baseline_from_history,
    sanity_reasons,
    segments,
)

THRESHOLD = 75
HARD_LIMIT = 100_000
MORNING = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
NORMAL_DAY = DayEvidence(steps=8000, distance_m=6000.0, active_minutes=80)
STEADY_HISTORY = [4800, 5100, 4950, 5000, 5200, 4900, 5050, 5000, 4850, 5150] * 3


def interval(start_minute: int, minutes: float, steps: int) -> Interval:
    start = MORNING + timedelta(minutes=start_minute)
    return Interval(start=start, end=start + timedelta(minutes=minutes), steps=steps)


def codes(reasons: Iterable[Reason]) -> list[str]:
    return [reason.code for reason in reasons]


histories = st.lists(st.integers(min_value=0, max_value=40_000), max_size=40)
personal_histories = st.lists(
    st.integers(min_value=1, max_value=40_000), min_size=MIN_PERSONAL_DAYS, max_size=40
)
intervals = st.builds(
    interval,
    start_minute=st.integers(min_value=-60, max_value=24 * 60),
    minutes=st.floats(min_value=-5, max_value=240, allow_nan=False),
    steps=st.integers(min_value=-100, max_value=60_000),
)
evidence = st.builds(
    DayEvidence,
    steps=st.integers(min_value=-1000, max_value=300_000),
    distance_m=st.none() | st.floats(allow_nan=True, allow_infinity=True),
    active_minutes=st.none() | st.integers(min_value=-10, max_value=24 * 60),
    intervals=st.lists(intervals, max_size=8).map(tuple),
    recording_method=st.sampled_from(["automatic", "manual", "unknown"]),
)


# --- baseline --------------------------------------------------------------------------


def test_fewer_than_seven_days_of_history_uses_the_population_default() -> None:
    assert baseline_from_history([9000] * (MIN_PERSONAL_DAYS - 1)) == POPULATION_BASELINE
    assert baseline_from_history([]) == POPULATION_BASELINE


def test_days_without_steps_do_not_count_towards_a_personal_baseline() -> None:
    history = [9000] * (MIN_PERSONAL_DAYS - 1) + [0, 0, 0]

    assert baseline_from_history(history) == POPULATION_BASELINE


def test_seven_days_of_history_give_a_personal_median_baseline() -> None:
    baseline = baseline_from_history([5000, 6000, 7000, 8000, 9000, 10_000, 11_000])

    assert baseline.personal
    assert baseline.days == MIN_PERSONAL_DAYS
    assert baseline.median == 8000
    assert baseline.scale == 1.4826 * 2000


def test_one_huge_outlier_in_history_barely_moves_the_baseline() -> None:
    plain = baseline_from_history(STEADY_HISTORY)
    with_outlier = baseline_from_history([*STEADY_HISTORY, 95_000])

    assert abs(with_outlier.median - plain.median) <= 50
    assert with_outlier.scale <= plain.scale * 1.1


def test_a_very_regular_walker_still_gets_a_scale_floor() -> None:
    baseline = baseline_from_history([6000] * 14)

    assert baseline.scale == 600  # 10% of the median, not the zero spread of identical days


@given(histories)
def test_baseline_scale_is_never_zero(history: list[int]) -> None:
    assert baseline_from_history(history).scale >= 500


# --- segments --------------------------------------------------------------------------


def test_segments_split_on_a_gap_of_more_than_an_hour() -> None:
    first, second = interval(0, 10, 900), interval(71, 10, 900)  # 61 minutes after first ends

    assert segments([second, first]) == [[first], [second]]


def test_segments_do_not_split_on_a_gap_of_exactly_an_hour() -> None:
    first, second = interval(0, 10, 900), interval(70, 10, 900)

    assert segments([second, first]) == [[first, second]]


def test_a_long_interval_covering_a_later_one_keeps_them_in_one_segment() -> None:
    long, inside, after = interval(0, 180, 9000), interval(30, 10, 500), interval(200, 10, 500)

    assert segments([after, inside, long]) == [[long, inside, after]]


def test_no_intervals_make_no_segments() -> None:
    assert segments([]) == []


# --- sanity checks ---------------------------------------------------------------------


def test_a_normal_day_passes_every_sanity_check() -> None:
    day = DayEvidence(
        steps=8000,
        distance_m=6000.0,
        active_minutes=80,
        intervals=(interval(0, 40, 4200), interval(300, 40, 3800)),
    )

    assert sanity_reasons(day) == []


def test_a_stride_too_long_is_flagged_with_its_numbers() -> None:
    (reason,) = sanity_reasons(DayEvidence(steps=8000, distance_m=20_000.0, active_minutes=200))

    assert reason.code == "stride_too_long"
    assert reason.weight > 0
    assert "2.50 m" in reason.message
    assert "8,000 steps" in reason.message


def test_a_stride_too_short_is_flagged_with_its_numbers() -> None:
    (reason,) = sanity_reasons(DayEvidence(steps=20_000, distance_m=2000.0, active_minutes=200))

    assert reason.code == "stride_too_short"
    assert reason.weight > 0
    assert "0.10 m" in reason.message


def test_stride_is_not_judged_on_a_handful_of_steps() -> None:
    assert sanity_reasons(DayEvidence(steps=100, distance_m=400.0)) == []


def test_a_distance_of_zero_means_not_measured_not_a_zero_stride() -> None:
    assert sanity_reasons(DayEvidence(steps=8000, distance_m=0.0, active_minutes=80)) == []


def test_a_sustained_speed_over_twelve_kmh_is_flagged() -> None:
    (reason,) = sanity_reasons(DayEvidence(steps=15_000, distance_m=15_000.0, active_minutes=60))

    assert reason.code == "speed_too_high"
    assert reason.weight > 0
    assert "15.0 km/h" in reason.message
    assert "60 active minutes" in reason.message


def test_a_short_burst_of_speed_is_not_sustained() -> None:
    # 1.5 km in 5 minutes is a sprint, judged over ten minutes it is 9 km/h.
    assert sanity_reasons(DayEvidence(steps=1500, distance_m=1500.0, active_minutes=5)) == []


def test_a_fast_segment_is_flagged_even_when_the_day_average_is_slow() -> None:
    day = DayEvidence(
        steps=20_000,
        distance_m=20_000.0,
        active_minutes=600,
        intervals=(interval(0, 30, 7000), interval(240, 300, 13_000)),
    )

    (reason,) = sanity_reasons(day)

    assert reason.code == "speed_too_high"
    assert "14.0 km/h" in reason.message
    assert "09:00 and 09:30" in reason.message


def test_a_cadence_over_250_steps_a_minute_in_an_interval_is_flagged() -> None:
    day = DayEvidence(steps=9000, intervals=(interval(0, 10, 3000), interval(120, 60, 6000)))

    (reason,) = sanity_reasons(day)

    assert reason.code == "cadence_too_high"
    assert reason.weight > 0
    assert "300 steps/min" in reason.message
    assert "09:00 and 09:10" in reason.message


def test_cadence_is_read_from_intervals_not_from_the_day_total() -> None:
    # The same 9000 steps, spread at 100 steps a minute.
    day = DayEvidence(steps=9000, intervals=(interval(0, 30, 3000), interval(120, 60, 6000)))

    assert sanity_reasons(day) == []


def test_zero_length_and_backwards_intervals_never_divide_by_zero() -> None:
    day = DayEvidence(
        steps=50,
        intervals=(interval(0, 0, 40), interval(10, -5, 10_000), interval(20, 10, 0)),
    )

    assert sanity_reasons(day) == []


def test_a_zero_length_interval_with_thousands_of_steps_is_still_too_fast() -> None:
    (reason,) = sanity_reasons(DayEvidence(steps=5000, intervals=(interval(0, 0, 5000),)))

    assert reason.code == "cadence_too_high"


# --- anomaly score ---------------------------------------------------------------------


def test_walking_less_than_usual_is_never_an_anomaly() -> None:
    assert anomaly_reasons(0, baseline_from_history(STEADY_HISTORY)) == []


def test_anomaly_points_start_above_three_spreads_and_reach_75_near_eight_and_a_half() -> None:
    baseline = Baseline(median=5000, scale=1000, days=30, personal=True)

    assert anomaly_reasons(8000, baseline) == []
    (at_z_8_5,) = anomaly_reasons(13_500, baseline)
    (at_z_40,) = anomaly_reasons(45_000, baseline)

    assert 70 <= at_z_8_5.weight <= 80
    assert 99 <= at_z_40.weight <= 100


def test_a_new_members_spike_is_judged_against_the_population_default() -> None:
    (reason,) = anomaly_reasons(40_000, POPULATION_BASELINE)

    assert "new member" in reason.message
    assert "7,000" in reason.message


# --- verdict ---------------------------------------------------------------------------


def test_a_cheaters_spike_needs_review_and_names_the_usual_level() -> None:
    verdict = assess_day(
        DayEvidence(steps=40_000), STEADY_HISTORY, threshold=THRESHOLD, hard_limit=HARD_LIMIT
    )

    assert verdict.needs_review
    assert not verdict.rejected
    (reason,) = verdict.reasons
    assert reason.code == "spike_vs_history"
    assert "usual level of about 5,000 steps" in reason.message
    assert "40,000 steps" in reason.message


def test_a_normal_day_for_a_regular_walker_is_clean() -> None:
    history = [8000, 7500, 9000, 8200, 7800, 8600, 7900, 8100]

    verdict = assess_day(NORMAL_DAY, history, threshold=THRESHOLD, hard_limit=HARD_LIMIT)

    assert verdict.score == 0
    assert verdict.reasons == ()
    assert not verdict.needs_review


def test_a_sanity_failure_needs_review_even_with_a_low_score() -> None:
    day = DayEvidence(steps=8000, distance_m=20_000.0, active_minutes=200)

    verdict = assess_day(day, [8000] * 10, threshold=THRESHOLD, hard_limit=HARD_LIMIT)

    assert verdict.score < THRESHOLD
    assert verdict.needs_review


def test_over_the_hard_limit_is_rejected_outright() -> None:
    verdict = assess_day(
        DayEvidence(steps=HARD_LIMIT + 1), [], threshold=THRESHOLD, hard_limit=HARD_LIMIT
    )

    assert verdict.rejected
    assert verdict.score == 100
    assert verdict.reasons[0].code == "over_hard_limit"
    assert "100,000" in verdict.reasons[0].message


def test_exactly_the_hard_limit_is_not_rejected() -> None:
    verdict = assess_day(
        DayEvidence(steps=HARD_LIMIT), [], threshold=THRESHOLD, hard_limit=HARD_LIMIT
    )

    assert not verdict.rejected


def test_a_manual_entry_needs_review_without_adding_to_the_score() -> None:
    day = DayEvidence(steps=8000, recording_method="manual")

    verdict = assess_day(day, [8000] * 10, threshold=THRESHOLD, hard_limit=HARD_LIMIT)

    assert verdict.needs_review
    assert verdict.score == 0
    assert codes(verdict.reasons) == ["manual_entry"]
    assert "by hand" in verdict.reasons[0].message


def test_weights_are_trimmed_so_they_sum_to_the_capped_score() -> None:
    day = DayEvidence(
        steps=90_000, distance_m=500_000.0, active_minutes=60, intervals=(interval(0, 60, 90_000),)
    )

    verdict = assess_day(day, STEADY_HISTORY, threshold=THRESHOLD, hard_limit=HARD_LIMIT)

    assert verdict.score == 100
    assert sum(reason.weight for reason in verdict.reasons) == 100
    assert set(codes(verdict.reasons)) == {
        "stride_too_long",
        "speed_too_high",
        "cadence_too_high",
        "spike_vs_history",
    }


def test_negative_steps_and_nonsense_numbers_never_crash() -> None:
    day = DayEvidence(
        steps=-500,
        distance_m=math.nan,
        active_minutes=-3,
        intervals=(interval(0, 0, -5), interval(5, -10, 100)),
    )

    verdict = assess_day(day, [-10, 0, 5], threshold=THRESHOLD, hard_limit=HARD_LIMIT)

    assert verdict.score == 0
    assert not verdict.needs_review


def test_reason_as_dict_has_code_message_and_weight() -> None:
    (reason,) = anomaly_reasons(40_000, POPULATION_BASELINE)

    assert reason.as_dict() == {
        "code": "spike_vs_history",
        "message": reason.message,
        "weight": reason.weight,
    }


# --- properties ------------------------------------------------------------------------


@settings(deadline=None)
@given(
    histories,
    st.integers(min_value=-1000, max_value=250_000),
    st.integers(min_value=-1000, max_value=250_000),
)
def test_score_never_falls_as_steps_rise(history: list[int], a: int, b: int) -> None:
    fewer, more = sorted((a, b))

    low = assess_day(DayEvidence(steps=fewer), history, threshold=THRESHOLD, hard_limit=HARD_LIMIT)
    high = assess_day(DayEvidence(steps=more), history, threshold=THRESHOLD, hard_limit=HARD_LIMIT)

    assert low.score <= high.score


@settings(deadline=None)
@given(personal_histories, st.floats(min_value=0, max_value=1))
def test_a_members_ordinary_day_is_never_flagged(history: list[int], fraction: float) -> None:
    baseline = baseline_from_history(history)
    steps = math.floor(fraction * (baseline.median + 3 * baseline.scale))

    verdict = assess_day(DayEvidence(steps=steps), history, threshold=THRESHOLD, hard_limit=10**9)

    assert verdict.score == 0
    assert not verdict.needs_review


@settings(deadline=None)
@given(evidence, histories, st.integers(min_value=1, max_value=100))
def test_reason_weights_always_sum_to_a_score_between_0_and_100(
    day: DayEvidence, history: list[int], threshold: int
) -> None:
    verdict = assess_day(day, history, threshold=threshold, hard_limit=HARD_LIMIT)

    assert 0 <= verdict.score <= 100
    assert sum(reason.weight for reason in verdict.reasons) == verdict.score
    assert all(reason.weight >= 0 and reason.message for reason in verdict.reasons)
    assert verdict.needs_review == (
        verdict.score >= threshold
        or bool(sanity_reasons(day))
        or day.recording_method == "manual"
        or verdict.rejected
    )
