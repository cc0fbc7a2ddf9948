"""Anti-cheat scoring for one member-day (SPEC §3): sanity checks, anomaly score, verdict.

Pure functions over plain values: no database, no Flask. The steps service gathers the
day's evidence and the member's history, calls `assess_day`, and acts on the `Verdict`.

Never raises on odd input: negative steps count as 0, non-finite or non-positive distance
and non-positive active minutes count as "not measured", and intervals whose end is
before their start or whose steps are not positive are left out of the rate checks.
Validating input is the caller's job; this module only has to stay calm about it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

MIN_PERSONAL_DAYS = 7
MAD_TO_SIGMA = 1.4826  # makes the MAD estimate a normal distribution's standard deviation
SCALE_FLOOR_FRACTION = 0.1  # a very regular walker still varies by ~10% a day
SCALE_FLOOR_STEPS = 500.0

ANOMALY_FREE_Z = 3.0  # a member's ordinary day (z <= 3) is never flagged
ANOMALY_RAMP_Z = 4.0  # points = 100 * (1 - e^-((z - 3) / 4)): 75 at z ≈ 8.5
MAX_SCORE = 100

SEGMENT_GAP = timedelta(hours=1)

MIN_STEPS_FOR_STRIDE = 500  # below this a few metres of GPS drift swing the stride wildly
MIN_STRIDE_M = 0.3
MAX_STRIDE_M = 1.5
MAX_SPEED_KMH = 12.0
SUSTAINED = timedelta(minutes=10)  # a speed is judged over at least this long
MAX_CADENCE_PER_MIN = 250.0
CADENCE_WINDOW = timedelta(minutes=1)  # a rate is judged over at least one minute

STRIDE_WEIGHT = 30
SPEED_WEIGHT = 35
CADENCE_WEIGHT = 40
HARD_LIMIT_WEIGHT = MAX_SCORE


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    weight: int

    def as_dict(self) -> dict[str, str | int]:
        return {"code": self.code, "message": self.message, "weight": self.weight}


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime
    steps: int


@dataclass(frozen=True)
class DayEvidence:
    steps: int
    distance_m: float | None = None
    active_minutes: int | None = None
    intervals: tuple[Interval, ...] = ()
    recording_method: str = "automatic"


@dataclass(frozen=True)
class Baseline:
    median: float
    scale: float
    days: int
    personal: bool


POPULATION_BASELINE = Baseline(median=7000.0, scale=3000.0, days=0, personal=False)


@dataclass(frozen=True)
class Verdict:
    score: int
    reasons: tuple[Reason, ...]
    needs_review: bool
    rejected: bool


def baseline_from_history(history: Sequence[int]) -> Baseline:
    """The member's usual day from previous daily credited totals.

    Days with 0 (or fewer) steps are dropped here: they are days the phone did not sync,
    and counting them would drag the median down and flag the member's next real day.
    """
    walked = [steps for steps in history if steps > 0]
    if len(walked) < MIN_PERSONAL_DAYS:
        return POPULATION_BASELINE
    median = float(statistics.median(walked))
    mad = float(statistics.median(abs(steps - median) for steps in walked))
    scale = max(MAD_TO_SIGMA * mad, SCALE_FLOOR_FRACTION * median, SCALE_FLOOR_STEPS)
    return Baseline(median=median, scale=scale, days=len(walked), personal=True)


def segments(intervals: Sequence[Interval]) -> list[list[Interval]]:
    """Group intervals into walking sessions; a gap of more than an hour starts a new one."""
    result: list[list[Interval]] = []
    latest_end: datetime | None = None
    for interval in sorted(intervals, key=lambda i: (i.start, i.end)):
        # Measured from the latest end so far: overlapping intervals never open a fake gap.
        if latest_end is None or interval.start - latest_end > SEGMENT_GAP:
            result.append([interval])
            latest_end = interval.end
        else:
            result[-1].append(interval)
            latest_end = max(latest_end, interval.end)
    return result


def sanity_reasons(evidence: DayEvidence) -> list[Reason]:
    """Physical impossibilities: stride, sustained speed, cadence."""
    steps = max(evidence.steps, 0)
    distance = _measured_distance(evidence.distance_m)
    valid = [i for i in evidence.intervals if i.end >= i.start and i.steps > 0]
    reasons: list[Reason] = []
    stride = _stride_reason(steps, distance)
    if stride is not None:
        reasons.append(stride)
    speed = _speed_reason(steps, distance, evidence.active_minutes, valid)
    if speed is not None:
        reasons.append(speed)
    cadence = _cadence_reason(valid)
    if cadence is not None:
        reasons.append(cadence)
    return reasons


def anomaly_reasons(steps: int, baseline: Baseline) -> list[Reason]:
    """How far above the member's usual day; walking less than usual is never suspicious."""
    scale = baseline.scale if baseline.scale > 0 else SCALE_FLOOR_STEPS
    z = (max(steps, 0) - baseline.median) / scale
    points = _anomaly_points(z)
    if points == 0:
        return []
    if baseline.personal:
        usual = (
            f"this member's usual level of about {round(baseline.median):,} steps a day "
            f"(from {baseline.days} days of history)"
        )
    else:
        usual = (
            f"the usual level for a new member of about {round(baseline.median):,} steps a day "
            f"(fewer than {MIN_PERSONAL_DAYS} days of their own history)"
        )
    message = (
        f"{max(steps, 0):,} steps is far above {usual}: "
        f"{z:.1f} times the normal day-to-day variation above it."
    )
    return [Reason("spike_vs_history", message, points)]


def assess_day(
    evidence: DayEvidence, history: Sequence[int], *, threshold: int, hard_limit: int
) -> Verdict:
    """Score one day's steps against physics and the member's own history."""
    steps = max(evidence.steps, 0)
    rejected = steps > hard_limit
    reasons: list[Reason] = []
    if rejected:
        reasons.append(
            Reason(
                "over_hard_limit",
                f"{steps:,} steps is over the hard limit of {hard_limit:,} steps a day, "
                "so the day is rejected.",
                HARD_LIMIT_WEIGHT,
            )
        )
    sanity = sanity_reasons(evidence)
    reasons.extend(sanity)
    reasons.extend(anomaly_reasons(steps, baseline_from_history(history)))
    manual = evidence.recording_method == "manual"
    if manual:
        reasons.append(
            Reason(
                "manual_entry",
                "These steps were typed in by hand, so an admin reviews them before they "
                "earn coins.",
                0,
            )
        )
    capped = _cap_weights(reasons)
    score = sum(reason.weight for reason in capped)
    # A rejected day also needs review, so a caller that only reads needs_review never pays.
    needs_review = score >= threshold or bool(sanity) or manual or rejected
    return Verdict(score=score, reasons=capped, needs_review=needs_review, rejected=rejected)


def _anomaly_points(z: float) -> int:
    if z <= ANOMALY_FREE_Z:
        return 0
    return round(MAX_SCORE * (1 - math.exp(-(z - ANOMALY_FREE_Z) / ANOMALY_RAMP_Z)))


def _measured_distance(distance_m: float | None) -> float | None:
    # Phones report 0 (or nothing) when they did not measure distance at all.
    if distance_m is None or not math.isfinite(distance_m) or distance_m <= 0:
        return None
    return distance_m


def _stride_reason(steps: int, distance: float | None) -> Reason | None:
    if distance is None or steps < MIN_STEPS_FOR_STRIDE:
        return None
    stride = distance / steps
    measured = f"{distance:,.0f} m over {steps:,} steps"
    if stride > MAX_STRIDE_M:
        return Reason(
            "stride_too_long",
            f"Average stride of {stride:.2f} m ({measured}) is longer than a person's step "
            f"(at most {MAX_STRIDE_M} m): the distance was not covered on foot.",
            STRIDE_WEIGHT,
        )
    if stride < MIN_STRIDE_M:
        return Reason(
            "stride_too_short",
            f"Average stride of {stride:.2f} m ({measured}) is shorter than a person's step "
            f"(at least {MIN_STRIDE_M} m): the steps did not move anyone forward.",
            STRIDE_WEIGHT,
        )
    return None


def _speed_reason(
    steps: int, distance: float | None, active_minutes: int | None, intervals: list[Interval]
) -> Reason | None:
    if distance is None:
        return None
    worst_kmh = 0.0
    where = ""
    if active_minutes is not None and active_minutes > 0:
        worst_kmh = _kmh(distance, timedelta(minutes=active_minutes))
        where = f"over {active_minutes:,} active minutes"
    if steps > 0:
        stride = distance / steps
        for segment in segments(intervals):
            start = segment[0].start
            end = max(i.end for i in segment)
            # The day's distance is shared by steps: a segment gets its steps' worth of it.
            segment_distance = min(distance, stride * sum(i.steps for i in segment))
            kmh = _kmh(segment_distance, end - start)
            if kmh > worst_kmh:
                worst_kmh = kmh
                where = f"between {start:%H:%M} and {end:%H:%M}"
    if worst_kmh <= MAX_SPEED_KMH:
        return None
    return Reason(
        "speed_too_high",
        f"Average speed of {worst_kmh:.1f} km/h {where} is faster than anyone walks or runs "
        f"for long (at most {MAX_SPEED_KMH:.0f} km/h).",
        SPEED_WEIGHT,
    )


def _kmh(distance_m: float, duration: timedelta) -> float:
    # Judged over at least SUSTAINED: a short burst of speed is not "sustained".
    hours = max(duration, SUSTAINED).total_seconds() / 3600
    return distance_m / 1000 / hours


def _cadence_reason(intervals: list[Interval]) -> Reason | None:
    worst: Interval | None = None
    worst_rate = 0.0
    too_fast = 0
    for interval in intervals:
        # Sub-minute intervals count as a minute: a few steps in a second are not 300/min.
        minutes = max(interval.end - interval.start, CADENCE_WINDOW).total_seconds() / 60
        rate = interval.steps / minutes
        if rate > MAX_CADENCE_PER_MIN:
            too_fast += 1
            if rate > worst_rate:
                worst, worst_rate = interval, rate
    if worst is None:
        return None
    others = f" ({too_fast} intervals in all)" if too_fast > 1 else ""
    return Reason(
        "cadence_too_high",
        f"Cadence of {worst_rate:,.0f} steps/min between {worst.start:%H:%M} and "
        f"{worst.end:%H:%M}{others} is faster than anyone steps "
        f"(at most {MAX_CADENCE_PER_MIN:.0f} steps/min).",
        CADENCE_WEIGHT,
    )


def _cap_weights(reasons: list[Reason]) -> tuple[Reason, ...]:
    # Trim in order so the weights sum to exactly the capped score; trimmed reasons stay listed.
    remaining = MAX_SCORE
    capped: list[Reason] = []
    for reason in reasons:
        weight = min(max(reason.weight, 0), remaining)
        remaining -= weight
        capped.append(replace(reason, weight=weight))
    return tuple(capped)
