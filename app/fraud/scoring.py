"""Anti-cheat scoring for one member-day (SPEC §3): sanity checks, anomaly score, verdict.

Pure functions over plain values: no database, no Flask. The steps service gathers the
day's evidence, the member's dated history and a little context (account age, the cap,
other accounts on the same phone), calls `assess_day`, and acts on the `Verdict`.

The model, in the words an admin or a member reads:

- Physics (layer 1, any failure sends the day to review): stride (a walking step is
  0.3-1.5 m, a running step up to 2 m), speed (nobody runs much above ~20 km/h for ten
  minutes; above walking speed the cadence must be a running cadence), cadence above
  250 steps/min, and two checks that need no distance at all: machine-steady cadence for
  hours, and steps through the whole day and night with no rest.
- The member's own history (layer 2, a score): the usual day is the median of the last
  28 days *of the same kind* (weekdays or weekends); the allowance above it grows with
  the member's own variation, never less than published within-person variation
  (~30-40%), and never below the member's own best recent day or an ordinary 10,000-step
  day. So a hike at 2-3x a usual day, or a day like their best ever, is not "far above".
- Patterns that need history or context: a new account at the cap on every day it has
  synced, and a phone that also synced steps for other accounts; a steep climb over the
  month before adds points (it cannot flag alone: recovering from an injury looks alike).

Never raises on odd input: negative steps count as 0, non-finite or non-positive distance
and non-positive active minutes count as "not measured", and intervals whose end is
before their start or whose steps are not positive are left out of the rate checks.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

HISTORY_DAYS = 28  # the trailing window a day is judged against
MIN_PERSONAL_DAYS = 7
MIN_SAME_KIND_DAYS = 4  # weekend days in the window needed before weekends get their own usual
MAD_TO_SIGMA = 1.4826  # makes the MAD estimate a normal distribution's standard deviation
# Spread of log daily steps: published within-person day-to-day CV is ~30-40%; 0.37 ≈ 38%.
SPREAD_FLOOR = 0.37
SPREAD_CEILING = 0.7  # a wildly erratic history does not make any day ordinary
FREE_SPREADS = 3.0  # up to usual x e^(3 spreads) (>= 3x usual) is an ordinary high day
BEST_DAY_MARGIN = 1.15  # a little above the member's own best recent day is still theirs
ORDINARY_DAY_STEPS = 10_000  # nobody's 10,000-step day is "far above usual"
SPIKE_RAMP = math.log(1.6) / math.log(4)  # 75 points at 1.6x the upper reference
MAX_SCORE = 100

SEGMENT_GAP = timedelta(hours=1)

MIN_STEPS_FOR_STRIDE = 500  # below this a few metres of GPS drift swing the stride wildly
MIN_STRIDE_M = 0.3
MAX_WALKING_STRIDE_M = 1.5
MAX_RUNNING_STRIDE_M = 2.0
MAX_RUN_SPEED_KMH = 22.0  # ~20 km/h sustained (SPEC §3) plus the ~10% error of phone GPS
WALKING_SPEED_KMH = 9.0  # above this a person is running: the cadence must say so too
RUNNING_CADENCE = 130.0  # steps/min; below it, moving faster than walking means wheels
MAX_WALKING_STRIDE_SPEED_KMH = 10.0  # a day of walking-length steps far above ~7 km/h
SUSTAINED = timedelta(minutes=10)  # a speed is judged over at least this long
MAX_CADENCE_PER_MIN = 250.0
CADENCE_WINDOW = timedelta(minutes=1)  # a rate is judged over at least one minute

CONTINUOUS_GAP = timedelta(minutes=5)  # a longer pause breaks a stretch of stepping
# Longer than the hour-long runs of the people who run, and without moving anywhere.
STEADY_MIN_DURATION = timedelta(minutes=75)
STEADY_MAX_INTERVAL = timedelta(minutes=30)  # coarser intervals cannot show steadiness
STEADY_MIN_INTERVALS = 6
STEADY_MAX_CV = 0.03  # people vary their pace by 5-30% between minutes; a machine does not
STEADY_BREAK = 0.08  # a minute this far off the stretch's pace ends the steady stretch
STEADY_MIN_CADENCE = 60.0
NO_REST_MIN_SPAN = timedelta(hours=22)
QUIET_HOUR_STEPS = 100  # an hour with fewer steps than this is rest (sleep, a desk, a film)
NO_REST_MAX_QUIET_RUN = 2  # two quiet hours in a row is sleep (or a nap)

NEW_ACCOUNT_DAYS = 30
AT_CAP_FRACTION = 0.95
CLIMB_MIN_DAYS = 7  # walked days needed in the month before the window, and in its last week
CLIMB_RECENT_RATIO = 1.8
CLIMB_TODAY_RATIO = 2.2
CLIMB_SETTLED_DAYS = 7
HISTORY_FETCH_DAYS = 2 * HISTORY_DAYS  # the window, and the month before it for the climb

STRIDE_WEIGHT = 30
SPEED_WEIGHT = 35
CADENCE_WEIGHT = 40
STEADY_WEIGHT = 80
NO_REST_WEIGHT = 80
CAP_FARMING_WEIGHT = 80
SHARED_DEVICE_WEIGHT = 80
# Not enough to flag alone: people recovering from an injury or starting to train climb too.
CLIMB_WEIGHT = 40
HARD_LIMIT_WEIGHT = MAX_SCORE

MANUAL_SOURCE = "manual"


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    weight: int

    def as_dict(self) -> dict[str, str | int]:
        return {"code": self.code, "message": self.message, "weight": self.weight}


@dataclass(frozen=True)
class Signal:
    """One check the model ran (or could not run) on a day, for the evidence panel."""

    code: str
    label: str
    state: str  # fired | clear | not_measured
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "label": self.label, "state": self.state, "detail": self.detail}


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime
    steps: int
    distance_m: float | None = None


@dataclass(frozen=True)
class DayEvidence:
    steps: int
    distance_m: float | None = None
    active_minutes: int | None = None
    intervals: tuple[Interval, ...] = ()
    recording_method: str = "automatic"
    source: str | None = None
    day: date | None = None  # needed to tell weekdays from weekends and to date the history


@dataclass(frozen=True)
class MemberContext:
    """What the model knows about the member beyond their steps."""

    account_age_days: int | None = None
    daily_step_cap: int | None = None
    device_id: str | None = None
    other_accounts_on_device: int = 0


@dataclass(frozen=True)
class Baseline:
    median: float
    spread: float  # of log daily steps
    days: int
    personal: bool
    best: float = 0.0
    kind: str = "day"  # weekday | weekend | day

    @property
    def upper(self) -> float:
        """The most this member ordinarily walks: beyond it a day starts to score."""
        return max(
            self.median * math.exp(FREE_SPREADS * self.spread),
            self.best * BEST_DAY_MARGIN,
            float(ORDINARY_DAY_STEPS),
        )


# A new member's usual day: between-person spread on top of within-person variation.
POPULATION_BASELINE = Baseline(median=7000.0, spread=0.6, days=0, personal=False)


@dataclass(frozen=True)
class Verdict:
    score: int
    reasons: tuple[Reason, ...]
    needs_review: bool
    rejected: bool
    signals: tuple[Signal, ...] = ()


History = Sequence[int] | Mapping[date, int]


def history_window(history: Mapping[date, int], day: date) -> dict[date, int]:
    """The dated history a day is judged against: the HISTORY_DAYS days before it."""
    first = day - timedelta(days=HISTORY_DAYS)
    return {d: steps for d, steps in history.items() if first <= d < day}


def _dated(history: History, day: date | None) -> list[tuple[date | None, int]]:
    if isinstance(history, Mapping):
        items = sorted(history_window(history, day).items() if day else history.items())
        return [(d, int(steps)) for d, steps in items]
    return [(None, int(steps)) for steps in history]


def _is_weekend(day: date) -> bool:
    return day.weekday() >= 5


def baseline_from_history(history: History, day: date | None = None) -> Baseline:
    """The member's usual day from previous daily credited totals.

    Days with 0 (or fewer) steps are dropped here: they are days the phone did not sync,
    and counting them would drag the median down and flag the member's next real day.
    With dates, the usual level of a Saturday comes from the member's weekends.
    """
    walked = [(d, steps) for d, steps in _dated(history, day) if steps > 0]
    if len(walked) < MIN_PERSONAL_DAYS:
        return POPULATION_BASELINE
    every = [steps for _, steps in walked]
    kind = "day"
    same_kind = every
    if day is not None and all(d is not None for d, _ in walked):
        weekend = _is_weekend(day)
        matching = [steps for d, steps in walked if d is not None and _is_weekend(d) == weekend]
        if len(matching) >= MIN_SAME_KIND_DAYS:
            same_kind, kind = matching, ("weekend" if weekend else "weekday")
    logs = [math.log(steps) for steps in every]
    centre = statistics.median(logs)
    mad = statistics.median(abs(x - centre) for x in logs)
    spread = min(max(MAD_TO_SIGMA * mad, SPREAD_FLOOR), SPREAD_CEILING)
    return Baseline(
        median=float(statistics.median(same_kind)),
        spread=spread,
        days=len(walked),
        personal=True,
        best=float(max(every)),
        kind=kind,
    )


def segments(intervals: Sequence[Interval]) -> list[list[Interval]]:
    """Group intervals into walking sessions; a gap of more than an hour starts a new one."""
    return _group(intervals, SEGMENT_GAP)


def _group(intervals: Sequence[Interval], gap: timedelta) -> list[list[Interval]]:
    result: list[list[Interval]] = []
    latest_end: datetime | None = None
    for interval in sorted(intervals, key=lambda i: (i.start, i.end)):
        # Measured from the latest end so far: overlapping intervals never open a fake gap.
        if latest_end is None or interval.start - latest_end > gap:
            result.append([interval])
            latest_end = interval.end
        else:
            result[-1].append(interval)
            latest_end = max(latest_end, interval.end)
    return result


def _valid_intervals(evidence: DayEvidence) -> list[Interval]:
    return [i for i in evidence.intervals if i.end >= i.start and i.steps > 0]


def sanity_reasons(evidence: DayEvidence) -> list[Reason]:
    """Physical impossibilities: stride, sustained speed, cadence, steadiness, no rest."""
    return [reason for reason, _ in _sanity_checks(evidence) if reason is not None]


def _sanity_checks(evidence: DayEvidence) -> list[tuple[Reason | None, Signal]]:
    steps = max(evidence.steps, 0)
    distance = _measured_distance(evidence.distance_m)
    valid = _valid_intervals(evidence)
    return [
        _stride_check(steps, distance, valid),
        _speed_check(steps, distance, evidence.active_minutes, valid),
        _cadence_check(valid),
        _steady_check(valid),
        _no_rest_check(valid),
    ]


def anomaly_reasons(steps: int, baseline: Baseline) -> list[Reason]:
    """How far above the member's own ordinary high; walking less is never suspicious."""
    steps = max(steps, 0)
    upper = baseline.upper
    if steps <= upper:
        return []
    points = round(MAX_SCORE * (1 - math.exp(-math.log(steps / upper) / SPIKE_RAMP)))
    if points <= 0:
        return []
    times = steps / baseline.median
    if baseline.personal:
        kind = {"weekend": "weekend day", "weekday": "weekday"}.get(baseline.kind, "day")
        usual = (
            f"{times:.1f} times this member's usual {kind} of about "
            f"{round(baseline.median):,} steps (from {baseline.days} days of history), and "
            f"above the most they ordinarily walk (about {round(upper):,} steps, their best "
            f"recent day being {round(baseline.best):,})"
        )
    else:
        usual = (
            f"{times:.1f} times the usual level for a new member of about "
            f"{round(baseline.median):,} steps a day (fewer than {MIN_PERSONAL_DAYS} days of "
            f"their own history), and above about {round(upper):,} steps, more than almost "
            "anyone walks"
        )
    message = f"{steps:,} steps is far above usual: {usual}."
    return [Reason("spike_vs_history", message, points)]


def assess_day(
    evidence: DayEvidence,
    history: History,
    *,
    threshold: int,
    hard_limit: int,
    context: MemberContext | None = None,
) -> Verdict:
    """Score one day's steps against physics, the member's own history and their context."""
    context = context or MemberContext()
    steps = max(evidence.steps, 0)
    rejected = steps > hard_limit
    reasons: list[Reason] = []
    signals: list[Signal] = []
    if rejected:
        reasons.append(
            Reason(
                "over_hard_limit",
                f"{steps:,} steps is over the hard limit of {hard_limit:,} steps a day, "
                "so the day is rejected.",
                HARD_LIMIT_WEIGHT,
            )
        )
    signals.append(
        Signal(
            "over_hard_limit",
            "Hard daily limit",
            "fired" if rejected else "clear",
            f"{steps:,} of at most {hard_limit:,} steps",
        )
    )
    sanity_failed = False
    for reason, signal in _sanity_checks(evidence):
        signals.append(signal)
        if reason is not None:
            reasons.append(reason)
            sanity_failed = True
    baseline = baseline_from_history(history, evidence.day)
    spike = anomaly_reasons(steps, baseline)
    reasons.extend(spike)
    signals.append(
        Signal(
            "spike_vs_history",
            "Far above the member's usual day",
            "fired" if spike else "clear",
            (
                f"usual {baseline.kind} {round(baseline.median):,}, ordinary up to "
                f"{round(baseline.upper):,} ({baseline.days} days of history)"
                if baseline.personal
                else f"new member: population default, ordinary up to {round(baseline.upper):,}"
            ),
        )
    )
    for reason, signal in (
        _climb_check(steps, history, evidence.day),
        _cap_farming_check(steps, history, evidence.day, context),
        _shared_device_check(context),
    ):
        signals.append(signal)
        if reason is not None:
            reasons.append(reason)
    manual = _typed_in(evidence)
    if manual is not None:
        reasons.append(manual)
    signals.append(
        Signal(
            "manual_entry",
            "Typed in by hand",
            "fired" if manual else "clear",
            f"source {evidence.source or 'unknown'}, recorded {evidence.recording_method}",
        )
    )
    capped = _cap_weights(reasons)
    score = sum(reason.weight for reason in capped)
    # A rejected day also needs review, so a caller that only reads needs_review never pays.
    needs_review = score >= threshold or sanity_failed or manual is not None or rejected
    return Verdict(
        score=score,
        reasons=capped,
        needs_review=needs_review,
        rejected=rejected,
        signals=tuple(signals),
    )


def is_typed_in(source: str | None, recording_method: str) -> bool:
    """SPEC §3: `source: "manual"` (typed into FitKart) whatever the recording method says,
    or `recording_method: "manual"` from any source. "unknown" alone is not manual: Health
    Connect reports it for most data written before Android 14."""
    return source == MANUAL_SOURCE or recording_method == "manual"


def _typed_in(evidence: DayEvidence) -> Reason | None:
    if not is_typed_in(evidence.source, evidence.recording_method):
        return None
    where = (
        "were typed into FitKart by hand"
        if evidence.source == MANUAL_SOURCE
        else "were entered by hand in your health app"
    )
    return Reason(
        "manual_entry",
        f"These steps {where}, so an admin reviews them before they earn coins.",
        0,
    )


def _measured_distance(distance_m: float | None) -> float | None:
    # Phones report 0 (or nothing) when they did not measure distance at all.
    if distance_m is None or not math.isfinite(distance_m) or distance_m <= 0:
        return None
    return distance_m


def _minutes(duration: timedelta, floor: timedelta = CADENCE_WINDOW) -> float:
    return max(duration, floor).total_seconds() / 60


def _shows_running(intervals: list[Interval]) -> bool:
    """Ten minutes or more at a running cadence somewhere in the day."""
    for stretch in _group(intervals, CONTINUOUS_GAP):
        duration = max(i.end for i in stretch) - stretch[0].start
        if duration >= SUSTAINED:
            cadence = sum(i.steps for i in stretch) / _minutes(duration)
            if cadence >= RUNNING_CADENCE:
                return True
    return False


def _stride_check(
    steps: int, distance: float | None, intervals: list[Interval]
) -> tuple[Reason | None, Signal]:
    label = "Stride (distance per step)"
    if distance is None or steps < MIN_STEPS_FOR_STRIDE:
        why = "no distance was sent" if distance is None else "too few steps to judge"
        return None, Signal("stride", label, "not_measured", why)
    stride = distance / steps
    measured = f"{distance:,.0f} m over {steps:,} steps"
    running = _shows_running(intervals)
    longest = MAX_RUNNING_STRIDE_M if running else MAX_WALKING_STRIDE_M
    detail = f"{stride:.2f} m a step"
    if stride > longest:
        kind = (
            "a running step" if running else "a walking step (and nothing in the day shows a run)"
        )
        reason = Reason(
            "stride_too_long",
            f"Average stride of {stride:.2f} m ({measured}) is longer than {kind} "
            f"(at most {longest} m): the distance was not covered on foot.",
            STRIDE_WEIGHT,
        )
        return reason, Signal("stride", label, "fired", detail)
    if stride < MIN_STRIDE_M:
        reason = Reason(
            "stride_too_short",
            f"Average stride of {stride:.2f} m ({measured}) is shorter than a person's step "
            f"(at least {MIN_STRIDE_M} m): the steps did not move anyone forward.",
            STRIDE_WEIGHT,
        )
        return reason, Signal("stride", label, "fired", detail)
    return None, Signal("stride", label, "clear", detail)


def _speed_check(
    steps: int, distance: float | None, active_minutes: int | None, intervals: list[Interval]
) -> tuple[Reason | None, Signal]:
    label = "Speed, with the cadence it needs"
    measured_intervals = [i for i in intervals if _measured_distance(i.distance_m) is not None]
    if distance is None and not measured_intervals:
        return None, Signal("speed", label, "not_measured", "no distance was sent")
    worst_kmh = 0.0
    where = ""
    # Intervals that carry their own distance say how fast each stretch went: the stretches
    # faster than walking are judged together, over at least ten minutes.
    fast = [
        i
        for i in measured_intervals
        if _kmh(i.distance_m or 0.0, i.end - i.start, CADENCE_WINDOW) > WALKING_SPEED_KMH
    ]
    for stretch in _group(fast, CONTINUOUS_GAP):
        start, end = stretch[0].start, max(i.end for i in stretch)
        if end - start < SUSTAINED:
            continue
        metres = sum(i.distance_m or 0.0 for i in stretch)
        kmh = _kmh(metres, end - start)
        cadence = sum(i.steps for i in stretch) / _minutes(end - start)
        span = f"between {start:%H:%M} and {end:%H:%M}"
        if cadence < RUNNING_CADENCE:
            reason = Reason(
                "speed_without_running",
                f"The phone moved at {kmh:.1f} km/h {span} while counting only "
                f"{cadence:,.0f} steps/min: faster than walking needs a running cadence "
                f"(at least {RUNNING_CADENCE:.0f} steps/min), so this was riding, not walking.",
                SPEED_WEIGHT,
            )
            return reason, Signal("speed", label, "fired", f"{kmh:.1f} km/h at {cadence:.0f}/min")
        if kmh > worst_kmh:
            worst_kmh, where = kmh, span
    if measured_intervals and not where:
        where = "in the measured intervals"
    if distance is not None and active_minutes is not None and active_minutes > 0:
        kmh = _kmh(distance, timedelta(minutes=active_minutes))
        stride = distance / steps if steps >= MIN_STEPS_FOR_STRIDE else None
        if stride is not None and stride <= 0.9 and kmh > MAX_WALKING_STRIDE_SPEED_KMH:
            reason = Reason(
                "speed_too_high",
                f"Average speed of {kmh:.1f} km/h over {active_minutes:,} active minutes with "
                f"walking-length steps of {stride:.2f} m is far above walking speed "
                f"(about 7 km/h).",
                SPEED_WEIGHT,
            )
            return reason, Signal("speed", label, "fired", f"{kmh:.1f} km/h")
        if kmh > worst_kmh:
            worst_kmh, where = kmh, f"over {active_minutes:,} active minutes"
    if distance is not None and steps > 0 and not measured_intervals:
        stride = distance / steps
        for segment in segments(intervals):
            start = segment[0].start
            end = max(i.end for i in segment)
            # The day's distance is shared by steps: a segment gets its steps' worth of it.
            segment_distance = min(distance, stride * sum(i.steps for i in segment))
            kmh = _kmh(segment_distance, end - start)
            if kmh > worst_kmh:
                worst_kmh, where = kmh, f"between {start:%H:%M} and {end:%H:%M}"
    detail = f"fastest {worst_kmh:.1f} km/h" if where else "no time to measure it over"
    if worst_kmh <= MAX_RUN_SPEED_KMH:
        return None, Signal("speed", label, "clear" if where else "not_measured", detail)
    reason = Reason(
        "speed_too_high",
        f"Average speed of {worst_kmh:.1f} km/h {where} is faster than anyone walks or runs "
        f"for long (about 20 km/h at most).",
        SPEED_WEIGHT,
    )
    return reason, Signal("speed", label, "fired", detail)


def _kmh(distance_m: float, duration: timedelta, floor: timedelta = SUSTAINED) -> float:
    # Judged over at least SUSTAINED: a short burst of speed is not "sustained".
    hours = max(duration, floor).total_seconds() / 3600
    return distance_m / 1000 / hours


def _cadence_check(intervals: list[Interval]) -> tuple[Reason | None, Signal]:
    label = "Cadence (steps a minute)"
    if not intervals:
        return None, Signal("cadence", label, "not_measured", "no intervals were sent")
    worst: Interval | None = None
    worst_rate = 0.0
    too_fast = 0
    fastest = 0.0
    for interval in intervals:
        # Sub-minute intervals count as a minute: a few steps in a second are not 300/min.
        rate = interval.steps / _minutes(interval.end - interval.start)
        fastest = max(fastest, rate)
        if rate > MAX_CADENCE_PER_MIN:
            too_fast += 1
            if rate > worst_rate:
                worst, worst_rate = interval, rate
    if worst is None:
        return None, Signal("cadence", label, "clear", f"fastest {fastest:,.0f} steps/min")
    others = f" ({too_fast} intervals in all)" if too_fast > 1 else ""
    reason = Reason(
        "cadence_too_high",
        f"Cadence of {worst_rate:,.0f} steps/min between {worst.start:%H:%M} and "
        f"{worst.end:%H:%M}{others} is faster than anyone steps "
        f"(at most {MAX_CADENCE_PER_MIN:.0f} steps/min).",
        CADENCE_WEIGHT,
    )
    return reason, Signal("cadence", label, "fired", f"fastest {worst_rate:,.0f} steps/min")


def _steady_check(intervals: list[Interval]) -> tuple[Reason | None, Signal]:
    label = "Machine-steady cadence for an hour or more"
    fine = sorted(
        (i for i in intervals if CADENCE_WINDOW <= i.end - i.start <= STEADY_MAX_INTERVAL),
        key=lambda i: (i.start, i.end),
    )
    if len(fine) < STEADY_MIN_INTERVALS:
        return None, Signal(
            "steady_cadence", label, "not_measured", "no minute-level intervals were sent"
        )
    longest = timedelta(0)
    for stretch in _steady_stretches(fine):
        start, end = stretch[0].start, max(i.end for i in stretch)
        longest = max(longest, end - start)
        if end - start < STEADY_MIN_DURATION or len(stretch) < STEADY_MIN_INTERVALS:
            continue
        rates = [i.steps / _minutes(i.end - i.start) for i in stretch]
        weights = [_minutes(i.end - i.start) for i in stretch]
        mean = sum(r * w for r, w in zip(rates, weights, strict=True)) / sum(weights)
        if mean < STEADY_MIN_CADENCE:
            continue
        variance = sum(w * (r - mean) ** 2 for r, w in zip(rates, weights, strict=True))
        cv = math.sqrt(variance / sum(weights)) / mean
        steps = sum(i.steps for i in stretch)
        metres = sum(_measured_distance(i.distance_m) or 0.0 for i in stretch)
        # A long steady run from a watch moves: it carries its distance. A shaker does not.
        if cv <= STEADY_MAX_CV and metres < MIN_STRIDE_M * steps:
            hours = (end - start).total_seconds() / 3600
            reason = Reason(
                "machine_steady_cadence",
                f"From {start:%H:%M} to {end:%H:%M} ({hours:.1f} hours without a pause) the "
                f"steps came at {mean:,.0f} steps/min, varying by only {cv:.1%} and going "
                "nowhere: people slow down, stop and speed up; a device shaking a phone "
                "does not.",
                STEADY_WEIGHT,
            )
            return reason, Signal("steady_cadence", label, "fired", f"{cv:.1%} over {hours:.1f} h")
    minutes = longest.total_seconds() / 60
    return None, Signal(
        "steady_cadence", label, "clear", f"longest steady stretch {minutes:.0f} min"
    )


def _steady_stretches(intervals: list[Interval]) -> list[list[Interval]]:
    """Runs of back-to-back intervals whose pace stays near the run's own average."""
    stretches: list[list[Interval]] = []
    current: list[Interval] = []
    total_steps = 0.0
    total_minutes = 0.0
    for interval in intervals:
        minutes = _minutes(interval.end - interval.start)
        rate = interval.steps / minutes
        if current:
            mean = total_steps / total_minutes
            joined = interval.start - max(i.end for i in current) <= CONTINUOUS_GAP
            if joined and abs(rate - mean) <= STEADY_BREAK * mean:
                current.append(interval)
                total_steps += interval.steps
                total_minutes += minutes
                continue
            stretches.append(current)
        current, total_steps, total_minutes = [interval], float(interval.steps), minutes
    if current:
        stretches.append(current)
    return stretches


def _no_rest_check(intervals: list[Interval]) -> tuple[Reason | None, Signal]:
    label = "Steps all day and night with no rest"
    if not intervals:
        return None, Signal("no_rest", label, "not_measured", "no intervals were sent")
    start = min(i.start for i in intervals)
    end = max(i.end for i in intervals)
    if end - start < NO_REST_MIN_SPAN:
        hours = (end - start).total_seconds() / 3600
        return None, Signal("no_rest", label, "clear", f"steps over {hours:.0f} hours of the day")
    hours = math.ceil((end - start) / timedelta(hours=1))
    per_hour = [0.0] * hours
    for interval in intervals:
        _spread_over_hours(interval, start, per_hour)
    quiet_run = longest_quiet = 0
    for count in per_hour:
        quiet_run = quiet_run + 1 if count < QUIET_HOUR_STEPS else 0
        longest_quiet = max(longest_quiet, quiet_run)
    if longest_quiet >= NO_REST_MAX_QUIET_RUN:
        return None, Signal("no_rest", label, "clear", f"longest rest {longest_quiet} hours")
    reason = Reason(
        "no_rest",
        f"Steps came in every part of {hours} hours from {start:%H:%M} to {end:%H:%M}, with no "
        f"{NO_REST_MAX_QUIET_RUN} quiet hours in a row: everyone sleeps or rests somewhere in "
        "a day.",
        NO_REST_WEIGHT,
    )
    return reason, Signal("no_rest", label, "fired", f"longest rest {longest_quiet} hours")


def _spread_over_hours(interval: Interval, origin: datetime, per_hour: list[float]) -> None:
    length = (interval.end - interval.start).total_seconds()
    first = int((interval.start - origin) // timedelta(hours=1))
    if length <= 0:
        per_hour[min(first, len(per_hour) - 1)] += interval.steps
        return
    hour = first
    while hour < len(per_hour):
        slot_start = origin + timedelta(hours=hour)
        overlap = (
            min(interval.end, slot_start + timedelta(hours=1)) - max(interval.start, slot_start)
        ).total_seconds()
        if overlap <= 0 and slot_start >= interval.end:
            break
        per_hour[hour] += interval.steps * max(overlap, 0) / length
        hour += 1


def _climb_check(steps: int, history: History, day: date | None) -> tuple[Reason | None, Signal]:
    label = "Climb to several times the month before"
    if day is None or not isinstance(history, Mapping):
        return None, Signal("climb", label, "not_measured", "history without dates")
    window_start = day - timedelta(days=HISTORY_DAYS)
    before = [
        s
        for d, s in history.items()
        if window_start - timedelta(days=HISTORY_DAYS) <= d < window_start and s > 0
    ]
    window = sorted((d, s) for d, s in history.items() if window_start <= d < day and s > 0)
    latest = [s for _, s in window[-7:]]
    if len(before) < CLIMB_MIN_DAYS or len(latest) < CLIMB_MIN_DAYS:
        return None, Signal("climb", label, "not_measured", "fewer than eight weeks of history")
    then = statistics.median(before)
    recent_ratio = statistics.median(latest) / then
    today_ratio = steps / then
    settled = [s for d, s in window if d <= day - timedelta(days=CLIMB_SETTLED_DAYS)]
    best = max(settled, default=0)
    detail = f"last week {recent_ratio:.1f}x and today {today_ratio:.1f}x the month before"
    # A level walked (and accepted or approved) over a week ago is the member's own by now.
    if (
        recent_ratio < CLIMB_RECENT_RATIO
        or today_ratio < CLIMB_TODAY_RATIO
        or steps <= best * BEST_DAY_MARGIN
    ):
        return None, Signal("climb", label, "clear", detail)
    reason = Reason(
        "steady_climb",
        f"{steps:,} steps is {today_ratio:.1f} times this member's usual day in the month "
        f"before (about {round(then):,}), after a week at {recent_ratio:.1f} times it and "
        "above anything they walked since: a climb this steep and this steady is unusual.",
        CLIMB_WEIGHT,
    )
    return reason, Signal("climb", label, "fired", detail)


def _cap_farming_check(
    steps: int, history: History, day: date | None, context: MemberContext
) -> tuple[Reason | None, Signal]:
    label = "New account at the cap every day"
    cap = context.daily_step_cap
    age = context.account_age_days
    if cap is None or age is None:
        return None, Signal("cap_farming", label, "not_measured", "account age or cap unknown")
    if age > NEW_ACCOUNT_DAYS:
        return None, Signal("cap_farming", label, "clear", f"account {age} days old")
    walked = [s for _, s in _dated(history, day) if s > 0]
    at_cap = steps >= AT_CAP_FRACTION * cap
    detail = f"account {age} days old, {len(walked)} earlier days synced"
    if not (at_cap and walked and all(s >= AT_CAP_FRACTION * cap for s in walked)):
        return None, Signal("cap_farming", label, "clear", detail)
    reason = Reason(
        "new_account_at_cap",
        f"A new account ({age} days old) at the daily cap of {cap:,} steps on every day it has "
        f"synced ({len(walked) + 1} of {len(walked) + 1} days): walking exactly the most that "
        "pays, every day from the start, is what automated step farming looks like.",
        CAP_FARMING_WEIGHT,
    )
    return reason, Signal("cap_farming", label, "fired", detail)


def _shared_device_check(context: MemberContext) -> tuple[Reason | None, Signal]:
    label = "Phone shared with other accounts"
    if context.device_id is None:
        return None, Signal("shared_device", label, "not_measured", "the phone sent no device id")
    others = context.other_accounts_on_device
    if others <= 0:
        return None, Signal("shared_device", label, "clear", "no other account on this phone")
    accounts = "another account" if others == 1 else f"{others} other accounts"
    reason = Reason(
        "shared_device",
        f"The phone that sent these steps also synced steps for {accounts} recently: one "
        "phone's steps can earn coins for one member only.",
        SHARED_DEVICE_WEIGHT,
    )
    return reason, Signal("shared_device", label, "fired", f"{others} other account(s)")


def _cap_weights(reasons: list[Reason]) -> tuple[Reason, ...]:
    # Trim in order so the weights sum to exactly the capped score; trimmed reasons stay listed.
    remaining = MAX_SCORE
    capped: list[Reason] = []
    for reason in reasons:
        weight = min(max(reason.weight, 0), remaining)
        remaining -= weight
        capped.append(replace(reason, weight=weight))
    return tuple(capped)
