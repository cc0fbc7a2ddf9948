"""Anti-cheat scoring (SPEC §3): pure functions, so no app and no database here."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.fraud.scoring import (
    MIN_PERSONAL_DAYS,
    ORDINARY_DAY_STEPS,
    POPULATION_BASELINE,
    SPREAD_FLOOR,
    Baseline,
    DayEvidence,
    Interval,
    MemberContext,
    Reason,
    anomaly_reasons,
    assess_day,
    baseline_from_history,
    is_typed_in,
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
    source=st.sampled_from([None, "google_fit", "manual"]),
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
    assert baseline.best == 11_000


def test_one_huge_outlier_in_history_barely_moves_the_baseline() -> None:
    plain = baseline_from_history(STEADY_HISTORY)
    with_outlier = baseline_from_history([*STEADY_HISTORY, 95_000])

    assert abs(with_outlier.median - plain.median) <= 50
    assert with_outlier.spread <= plain.spread * 1.1


def test_a_very_regular_walker_still_gets_the_spread_of_real_people() -> None:
    baseline = baseline_from_history([6000] * 14)

    # Identical days have no spread; real people vary 30-40% from day to day.
    assert baseline.spread == SPREAD_FLOOR
    assert baseline.upper >= 3 * 6000


@given(histories)
def test_the_upper_reference_is_never_below_an_ordinary_day(history: list[int]) -> None:
    baseline = baseline_from_history(history)

    assert baseline.spread >= SPREAD_FLOOR
    assert baseline.upper >= ORDINARY_DAY_STEPS


def test_weekends_are_judged_against_the_members_own_weekends() -> None:
    # Four weeks of 6,000-step weekdays and 12,000-step weekends.
    start = date(2026, 6, 1)  # a Monday
    history = {
        start + timedelta(days=n): 12_000 if (start + timedelta(days=n)).weekday() >= 5 else 6000
        for n in range(28)
    }

    saturday = baseline_from_history(history, date(2026, 7, 4))
    monday = baseline_from_history(history, date(2026, 6, 29))

    assert (saturday.kind, saturday.median) == ("weekend", 12_000)
    assert (monday.kind, monday.median) == ("weekday", 6000)


def test_a_saturday_hike_at_three_times_a_usual_day_is_not_far_above_usual() -> None:
    # The story: ~8,000 a day, a 15,000 hike; and a 24,000 one (3x).
    history = {date(2026, 6, 1) + timedelta(days=n): 8000 + (n % 5) * 150 for n in range(28)}
    hike_day = date(2026, 7, 4)  # a Saturday

    for steps in (15_000, 24_000):
        verdict = assess_day(
            DayEvidence(steps=steps, day=hike_day),
            history,
            threshold=THRESHOLD,
            hard_limit=HARD_LIMIT,
        )
        assert verdict.score == 0
        assert not verdict.needs_review


def test_a_day_like_the_members_best_ever_is_not_far_above_usual() -> None:
    history = [5000] * 20 + [21_000, 19_000]

    assert anomaly_reasons(22_000, baseline_from_history(history)) == []


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


def test_a_sustained_speed_over_running_speed_is_flagged() -> None:
    (reason,) = sanity_reasons(DayEvidence(steps=20_000, distance_m=25_000.0, active_minutes=60))

    assert reason.code == "speed_too_high"
    assert reason.weight > 0
    assert "25.0 km/h" in reason.message
    assert "60 active minutes" in reason.message


def test_a_walking_stride_day_far_above_walking_speed_is_flagged() -> None:
    (reason,) = sanity_reasons(DayEvidence(steps=15_000, distance_m=12_000.0, active_minutes=60))

    assert reason.code == "speed_too_high"
    assert "walking-length steps of 0.80 m" in reason.message


def run_intervals(minutes: int, kmh: float, cadence: float, start_minute: int = 0):
    """Five-minute intervals of a run from a watch that measures its distance."""
    return tuple(
        Interval(
            MORNING + timedelta(minutes=start_minute + 5 * n),
            MORNING + timedelta(minutes=start_minute + 5 * (n + 1)),
            int(cadence * 5),
            kmh * 1000 / 12,
        )
        for n in range(minutes // 5)
    )


def test_a_runner_at_eighteen_kmh_with_a_running_cadence_is_not_a_vehicle() -> None:
    run = run_intervals(40, kmh=18, cadence=180)
    steps = sum(i.steps for i in run) + 6000
    day = DayEvidence(
        steps=steps,
        distance_m=sum(i.distance_m or 0 for i in run) + 6000 * 0.75,
        active_minutes=100,
        intervals=run,
    )

    assert sanity_reasons(day) == []


def test_moving_faster_than_walking_at_a_walking_cadence_is_riding() -> None:
    ride = run_intervals(30, kmh=20, cadence=80)
    day = DayEvidence(steps=6000, distance_m=15_000.0, intervals=ride)

    reasons = sanity_reasons(day)

    assert "speed_without_running" in codes(reasons)
    assert "riding" in next(r for r in reasons if r.code == "speed_without_running").message


def test_a_running_stride_is_accepted_only_when_the_day_shows_a_run() -> None:
    run = run_intervals(40, kmh=15, cadence=170)
    ran = DayEvidence(steps=6800, distance_m=6800 * 1.7, intervals=run)
    did_not = DayEvidence(steps=6800, distance_m=6800 * 1.7)

    assert sanity_reasons(ran) == []
    assert codes(sanity_reasons(did_not)) == ["stride_too_long"]


def machine(minutes: int, cadence: float, start_minute: int = 0, jitter: float = 0.0):
    return tuple(
        interval(start_minute + n, 1, int(cadence * (1 + (jitter if n % 2 else -jitter))))
        for n in range(minutes)
    )


def test_hours_of_machine_steady_cadence_without_distance_are_flagged() -> None:
    shaken = machine(180, 140, jitter=0.005)

    (reason,) = sanity_reasons(DayEvidence(steps=sum(i.steps for i in shaken), intervals=shaken))

    assert reason.code == "machine_steady_cadence"
    assert "3.0 hours" in reason.message
    assert "140 steps/min" in reason.message


def test_a_human_walk_of_hours_varies_its_pace_and_is_not_machine_steady() -> None:
    walk = machine(180, 110, jitter=0.15)

    assert sanity_reasons(DayEvidence(steps=sum(i.steps for i in walk), intervals=walk)) == []


def test_an_hour_long_steady_run_is_shorter_than_a_shaker_session() -> None:
    treadmill = machine(60, 170, jitter=0.01)

    assert sanity_reasons(DayEvidence(steps=10_200, intervals=treadmill)) == []


def test_steps_every_hour_of_the_day_and_night_are_flagged_as_no_rest() -> None:
    all_day = tuple(interval(60 * h - 9 * 60, 30, 1500) for h in range(24))

    reasons = sanity_reasons(DayEvidence(steps=36_000, intervals=all_day))

    assert codes(reasons) == ["no_rest"]


def test_a_night_shift_with_a_days_sleep_has_its_rest() -> None:
    night = tuple(interval(60 * h - 9 * 60, 30, 600) for h in [*range(0, 7), *range(15, 24)])

    assert sanity_reasons(DayEvidence(steps=9600, intervals=night)) == []


def test_a_short_burst_of_speed_is_not_sustained() -> None:
    # 1.5 km in 5 minutes is a sprint, judged over ten minutes it is 9 km/h.
    assert sanity_reasons(DayEvidence(steps=1500, distance_m=1500.0, active_minutes=5)) == []


def test_a_fast_segment_is_flagged_even_when_the_day_average_is_slow() -> None:
    day = DayEvidence(
        steps=20_000,
        distance_m=36_000.0,
        active_minutes=600,
        intervals=(interval(0, 30, 7000), interval(240, 300, 13_000)),
    )

    (reason,) = sanity_reasons(day)

    assert reason.code == "speed_too_high"
    assert "25.2 km/h" in reason.message
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


def test_anomaly_points_start_above_the_upper_reference_and_reach_75_at_1_6_times_it() -> None:
    baseline = Baseline(median=5000, spread=SPREAD_FLOOR, days=28, personal=True, best=9000)
    upper = baseline.upper

    assert anomaly_reasons(int(upper), baseline) == []
    (at_1_6,) = anomaly_reasons(int(upper * 1.6), baseline)
    (at_5,) = anomaly_reasons(int(upper * 5), baseline)

    assert 73 <= at_1_6.weight <= 77
    assert 98 <= at_5.weight <= 100


def test_a_new_members_spike_is_judged_against_the_population_default() -> None:
    (reason,) = anomaly_reasons(60_000, POPULATION_BASELINE)

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
    assert "usual day of about 5,000 steps" in reason.message
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
    (reason,) = anomaly_reasons(60_000, POPULATION_BASELINE)

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
    steps = math.floor(fraction * baseline.upper)

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
        or is_typed_in(day.source, day.recording_method)
        or verdict.rejected
    )


# --- signals that need no distance, and the member's context ---------------------------


def test_a_new_account_at_the_cap_every_day_is_flagged_from_its_second_day() -> None:
    context = MemberContext(account_age_days=1, daily_step_cap=20_000)
    first = assess_day(
        DayEvidence(steps=20_100, day=date(2026, 6, 1)),
        {},
        threshold=THRESHOLD,
        hard_limit=HARD_LIMIT,
        context=context,
    )
    second = assess_day(
        DayEvidence(steps=20_300, day=date(2026, 6, 2)),
        {date(2026, 6, 1): 20_100},
        threshold=THRESHOLD,
        hard_limit=HARD_LIMIT,
        context=context,
    )

    assert not first.needs_review  # one day at the cap is an active newcomer
    assert second.needs_review
    assert codes(second.reasons) == ["new_account_at_cap"]
    assert "2 of 2 days" in second.reasons[0].message


def test_an_established_member_at_the_cap_is_not_cap_farming() -> None:
    history = {date(2026, 5, 1) + timedelta(days=n): 20_500 for n in range(28)}

    verdict = assess_day(
        DayEvidence(steps=20_400, day=date(2026, 5, 29)),
        history,
        threshold=THRESHOLD,
        hard_limit=HARD_LIMIT,
        context=MemberContext(account_age_days=120, daily_step_cap=20_000),
    )

    assert not verdict.needs_review


def test_a_phone_that_synced_for_another_account_flags_the_day() -> None:
    verdict = assess_day(
        DayEvidence(steps=7000),
        [7000] * 10,
        threshold=THRESHOLD,
        hard_limit=HARD_LIMIT,
        context=MemberContext(device_id="pixel", other_accounts_on_device=3),
    )

    assert verdict.needs_review
    assert codes(verdict.reasons) == ["shared_device"]
    assert "3 other accounts" in verdict.reasons[0].message


def test_a_climb_to_several_times_the_month_before_adds_points_but_never_flags_alone() -> None:
    start = date(2026, 5, 1)
    history = {start + timedelta(days=n): 5000 for n in range(28)}
    history |= {start + timedelta(days=28 + n): 5000 + 400 * n for n in range(27)}

    verdict = assess_day(
        DayEvidence(steps=16_000, day=start + timedelta(days=55)),
        history,
        threshold=THRESHOLD,
        hard_limit=HARD_LIMIT,
    )

    assert codes(verdict.reasons) == ["steady_climb"]
    assert verdict.score == 40
    assert not verdict.needs_review  # recovering from an injury climbs as steeply


def test_a_climb_already_walked_a_week_ago_is_the_members_own_level() -> None:
    start = date(2026, 5, 1)
    history = {start + timedelta(days=n): 5000 for n in range(28)}
    history |= {start + timedelta(days=28 + n): 15_000 for n in range(27)}

    verdict = assess_day(
        DayEvidence(steps=16_000, day=start + timedelta(days=55)),
        history,
        threshold=THRESHOLD,
        hard_limit=HARD_LIMIT,
    )

    assert "steady_climb" not in codes(verdict.reasons)


def test_a_source_manual_record_is_typed_in_whatever_its_recording_method() -> None:
    for method in ("automatic", "unknown", "manual"):
        verdict = assess_day(
            DayEvidence(steps=5000, source="manual", recording_method=method),
            [5000] * 10,
            threshold=THRESHOLD,
            hard_limit=HARD_LIMIT,
        )
        assert verdict.needs_review
        assert codes(verdict.reasons) == ["manual_entry"]
    sensor = assess_day(
        DayEvidence(steps=5000, source="health_connect", recording_method="unknown"),
        [5000] * 10,
        threshold=THRESHOLD,
        hard_limit=HARD_LIMIT,
    )
    assert not sensor.needs_review


def test_signals_say_which_checks_fired_were_clear_or_could_not_be_measured() -> None:
    verdict = assess_day(
        DayEvidence(steps=9000, distance_m=900.0),
        [8000] * 10,
        threshold=THRESHOLD,
        hard_limit=HARD_LIMIT,
    )

    states = {signal.code: signal.state for signal in verdict.signals}
    assert states["stride"] == "fired"
    assert states["cadence"] == "not_measured"  # no intervals
    assert states["steady_cadence"] == "not_measured"
    assert states["shared_device"] == "not_measured"  # no device id
    assert states["spike_vs_history"] == "clear"
    assert all(signal.detail for signal in verdict.signals)


@settings(deadline=None)
@given(evidence, histories, st.integers(min_value=1, max_value=100))
def test_every_day_sent_to_review_carries_a_sentence_a_member_can_read(
    day: DayEvidence, history: list[int], threshold: int
) -> None:
    verdict = assess_day(day, history, threshold=threshold, hard_limit=HARD_LIMIT)

    if verdict.needs_review:
        assert any(len(reason.message) > 20 for reason in verdict.reasons)
