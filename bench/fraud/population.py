"""Labeled members for the anti-cheat simulation: honest walkers and cheats, seeded.

Every member is a generator of day records (what a phone would send to /steps/sync):
`days(d)` returns the records of simulated day `d` (0-based), each labeled honest or
cheat. The honest models follow published step-count behaviour: a personal level drawn
from the population (median ~7,500 on weekdays), a personal weekend factor, 30-40%
day-to-day variation (lognormal), hikes at 2-3x a usual day a few times a month,
holidays and sick days, days the phone did not sync; runners whose watches send intervals
at 10-20 km/h for 20-60 minutes with a running stride; night-shift workers; members who
switch phones or add a watch as a second source; new members with no history.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from app.fraud.scoring import Interval
from app.steps.sync import IncomingRecord

START = date(2026, 6, 1)  # a Monday
WARM_UP_DAYS = 28  # history before the measured days
MEASURED_DAYS = 28
DAILY_STEP_CAP = 20_000


@dataclass
class DayRecord:
    record: IncomingRecord
    device_id: str | None
    cheat: bool
    variant: str | None = None  # the part of a pattern the report also counts on its own


@dataclass
class Member:
    member_id: int
    pattern: str
    honest: bool
    joined_day: int  # the simulated day the account was created
    rng: random.Random
    make_days: Callable[[Member, int], list[DayRecord]]
    state: dict = field(default_factory=dict)
    referred_by: int | None = None

    def days(self, day: int) -> list[DayRecord]:
        if day < self.joined_day:
            return []
        return self.make_days(self, day)


def calendar_day(day: int) -> date:
    return START + timedelta(days=day)


def _at(day: int, minute: float) -> datetime:
    base = datetime(START.year, START.month, START.day, tzinfo=UTC) + timedelta(days=day)
    return base + timedelta(minutes=minute)


# --- honest behaviour --------------------------------------------------------------------


def _walker(rng: random.Random) -> dict:
    level = min(max(rng.lognormvariate(math.log(7500), 0.45), 2500), 18_000)
    return {
        "level": level,
        "weekend": rng.uniform(0.6, 1.3),
        "cv": rng.uniform(0.30, 0.40),
        "stride": rng.gauss(0.72, 0.06),
        "sends_distance": rng.random() < 0.6,
        "sends_intervals": rng.random() < 0.6,
        "hikes_per_month": rng.uniform(1, 4),
        "holiday_start": rng.randrange(0, WARM_UP_DAYS + MEASURED_DAYS),
        "holiday_length": rng.randrange(0, 10),
        "device": f"phone-{rng.getrandbits(48):012x}",
        "source": rng.choice(["google_fit", "apple_health", "health_connect", "fitbit"]),
    }


def _honest_steps(member: Member, day: int) -> int | None:
    """One honest day's total, or None when the phone did not sync that day."""
    s, rng = member.state, member.rng
    if rng.random() < 0.03:
        return None
    weekend = calendar_day(day).weekday() >= 5
    sigma = math.sqrt(math.log(1 + s["cv"] ** 2))
    steps = s["level"] * (s["weekend"] if weekend else 1.0) * rng.lognormvariate(0, sigma)
    if s["holiday_start"] <= day < s["holiday_start"] + s["holiday_length"]:
        steps *= rng.uniform(0.3, 0.7)
    if rng.random() < 0.03:  # a sick day
        steps *= rng.uniform(0.05, 0.3)
    hike_chance = s["hikes_per_month"] / 30 * (2.0 if weekend else 0.6)
    if rng.random() < hike_chance:
        steps = s["level"] * rng.uniform(2.0, 3.0)
        member.state["hiked_today"] = True
    else:
        member.state["hiked_today"] = False
    return max(int(steps), 0)


def _walking_intervals(
    rng: random.Random, day: int, total: int, window: tuple[float, float], hike: bool
) -> list[Interval]:
    """Bouts of walking spread over the waking window, as 5-minute buckets that vary."""
    bouts: list[list[int]] = []
    left = total
    while left > 0:
        cadence = rng.gauss(105, 12)
        bout_steps = min(left, rng.randint(1500, 6000) if hike else rng.randint(200, 2500))
        buckets = []
        while bout_steps > 0:
            bucket = min(bout_steps, int(max(cadence * rng.lognormvariate(0, 0.15), 40) * 5))
            buckets.append(bucket)
            bout_steps -= bucket
            left -= bucket
        bouts.append(buckets)
    walking = 5 * sum(len(b) for b in bouts)
    start, end = window[0], max(window[1], window[0] + walking)
    spare = max(end - start - walking, 0)
    shares = [rng.random() for _ in range(len(bouts) + 1)]
    gaps = [spare * share / sum(shares) for share in shares]
    intervals: list[Interval] = []
    minute = start + gaps[0]
    for bout, gap in zip(bouts, gaps[1:], strict=True):
        for bucket in bout:
            begin = _at(day, minute)
            intervals.append(Interval(begin, begin + timedelta(minutes=5), bucket))
            minute += 5
        minute += gap
    return intervals


def _record(
    member: Member,
    day: int,
    steps: int,
    *,
    intervals: list[Interval] | None = None,
    distance_m: float | None = None,
    source: str | None = None,
    recording_method: str = "automatic",
    cheat: bool = False,
    device: str | None = None,
    variant: str | None = None,
) -> DayRecord:
    s = member.state
    active = None
    if distance_m is not None:
        active = max(int(steps / 105 * member.rng.uniform(0.8, 1.2)), 1)
    return DayRecord(
        IncomingRecord(
            day=calendar_day(day),
            steps=steps,
            source=source or s["source"],
            distance_m=distance_m,
            active_minutes=active,
            recording_method=recording_method,
            intervals=tuple(intervals or ()),
        ),
        device if device is not None else s["device"],
        cheat,
        variant,
    )


def _honest_record(member: Member, day: int, window=(420.0, 1320.0)) -> DayRecord | None:
    s, rng = member.state, member.rng
    steps = _honest_steps(member, day)
    if steps is None:
        return None
    intervals = (
        _walking_intervals(rng, day, steps, window, s["hiked_today"])
        if s["sends_intervals"]
        else None
    )
    distance = steps * s["stride"] * rng.uniform(0.95, 1.05) if s["sends_distance"] else None
    return _record(member, day, steps, intervals=intervals, distance_m=distance)


def regular(member: Member, day: int) -> list[DayRecord]:
    record = _honest_record(member, day)
    return [record] if record else []


def getting_fitter(member: Member, day: int) -> list[DayRecord]:
    """Training for something: the usual level grows 1% a day, +70% over the eight weeks."""
    if "start_level" not in member.state:
        member.state["start_level"] = member.state["level"]
    member.state["level"] = member.state["start_level"] * (1 + 0.0125 * day)
    return regular(member, day)


def hiker(member: Member, day: int) -> list[DayRecord]:
    member.state["hikes_per_month"] = max(member.state["hikes_per_month"], 4)
    return regular(member, day)


def runner(member: Member, day: int) -> list[DayRecord]:
    """Walks like anyone; 3-4 runs a week of 20-60 minutes at 10-20 km/h, from a watch."""
    s, rng = member.state, member.rng
    walked = _honest_steps(member, day)
    if walked is None:
        return []
    walking = _walking_intervals(rng, day, walked, (420.0, 1320.0), s["hiked_today"])
    walking = [
        Interval(i.start, i.end, i.steps, i.steps * s["stride"] if s["interval_distance"] else None)
        for i in walking
    ]
    runs: list[Interval] = []
    if rng.random() < 0.5:
        speed = rng.uniform(10, 20)
        cadence = 150 + (speed - 10) * 4
        minutes = rng.randint(4, 12) * 5
        start_minute = rng.choice([360.0, 1140.0])  # before work or in the evening
        for bucket in range(minutes // 5):
            pace = speed * rng.gauss(1, 0.04)
            steps = int(cadence * rng.gauss(1, 0.03) * 5)
            start = _at(day, start_minute + 5 * bucket)
            metres = pace * 1000 / 12
            runs.append(
                Interval(
                    start,
                    start + timedelta(minutes=5),
                    steps,
                    metres if s["interval_distance"] else None,
                )
            )
    intervals = walking + runs
    steps = sum(i.steps for i in intervals)
    distance = sum(i.distance_m or 0.0 for i in intervals) if s["interval_distance"] else None
    if distance is None:
        distance = walked * s["stride"] + sum(
            speed_m for speed_m in (_run_metres(i, s, rng) for i in runs)
        )
    return [_record(member, day, steps, intervals=intervals, distance_m=distance)]


def treadmill_runner(member: Member, day: int) -> list[DayRecord]:
    """Runs indoors 3-4 times a week: 30-60 minutes at one belt speed, so one cadence that
    barely varies, and no distance (no GPS indoors). What a short shaker session looks like."""
    s, rng = member.state, member.rng
    walked = _honest_steps(member, day)
    if walked is None:
        return []
    walking = _walking_intervals(rng, day, walked, (420.0, 1320.0), s["hiked_today"])
    run: list[Interval] = []
    if rng.random() < 0.5:
        cadence = rng.uniform(155, 180)
        for minute in range(rng.randint(30, 60)):
            start = _at(day, 1110 + minute)
            count = int(cadence * rng.gauss(1, 0.015))
            run.append(Interval(start, start + timedelta(minutes=1), count))
    intervals = walking + run
    steps = sum(i.steps for i in intervals)
    return [_record(member, day, steps, intervals=intervals)]


def _run_metres(interval: Interval, s: dict, rng: random.Random) -> float:
    # A watch without interval distance still sends the day's distance, runs included.
    return interval.steps * rng.uniform(1.1, 1.7)


def shift_worker(member: Member, day: int) -> list[DayRecord]:
    """Nights: walks from 19:00 to 07:00, sleeps in the day; the day record spans midnight."""
    s, rng = member.state, member.rng
    steps = _honest_steps(member, day)
    if steps is None:
        return []
    night = rng.random() < 5 / 7
    intervals = None
    if s["sends_intervals"]:
        if night:
            early = _walking_intervals(rng, day, steps * 2 // 5, (0.0, 420.0), s["hiked_today"])
            late = _walking_intervals(
                rng, day, steps - steps * 2 // 5, (1140.0, 1440.0), s["hiked_today"]
            )
            intervals = early + late
        else:
            intervals = _walking_intervals(rng, day, steps, (600.0, 1380.0), s["hiked_today"])
    distance = steps * s["stride"] if s["sends_distance"] else None
    return [_record(member, day, steps, intervals=intervals, distance_m=distance)]


def phone_switcher(member: Member, day: int) -> list[DayRecord]:
    s = member.state
    if day == s["switch_day"]:
        s["device"] = f"phone-{member.rng.getrandbits(48):012x}"
        s["source"] = member.rng.choice(["google_fit", "health_connect", "apple_health"])
        s["sends_distance"] = not s["sends_distance"]
    return regular(member, day)


def watch_adder(member: Member, day: int) -> list[DayRecord]:
    """From the day the watch arrives, a second source counting 0-25% more than the phone."""
    phone = regular(member, day)
    if not phone or day < member.state["watch_day"]:
        return phone
    base = phone[0].record
    extra = member.rng.uniform(1.0, 1.25)
    watch = IncomingRecord(
        day=base.day,
        steps=int(base.steps * extra),
        source="fitbit" if base.source != "fitbit" else "health_connect",
        distance_m=base.distance_m * extra if base.distance_m else None,
        active_minutes=base.active_minutes,
        intervals=tuple(
            Interval(i.start, i.end, int(i.steps * extra), i.distance_m) for i in base.intervals
        ),
    )
    return [*phone, DayRecord(watch, member.state["device"], False)]


# --- cheats ------------------------------------------------------------------------------


def _cheating(member: Member, day: int) -> bool:
    return day >= member.state.get("cheat_from", WARM_UP_DAYS)


def _machine(day: int, start_minute: float, steps: int, rng: random.Random) -> list[Interval]:
    """A phone on a shaker: one cadence, barely varying, minute after minute."""
    cadence = rng.uniform(100, 160)
    intervals = []
    minute = start_minute
    left = steps
    bucket_minutes = rng.choice([1, 5])
    while left > 0:
        count = min(left, int(cadence * rng.gauss(1, 0.01) * bucket_minutes))
        start = _at(day, minute)
        intervals.append(Interval(start, start + timedelta(minutes=bucket_minutes), count))
        minute += bucket_minutes
        left -= count
    return intervals


def _shaken(member: Member, day: int, *, with_distance: bool) -> list[DayRecord]:
    record = _honest_record(member, day)
    if record is None or not _cheating(member, day):
        return [record] if record else []
    rng = member.rng
    base = record.record
    extra = max(DAILY_STEP_CAP - base.steps, 0) + rng.randint(2000, 6000)
    # Overnight, while the owner sleeps: the phone is on the shaker, not in a pocket.
    shaken = _machine(day, rng.uniform(0, 90), extra, rng)
    honest_walk = list(base.intervals) or _walking_intervals(
        rng, day, base.steps, (420.0, 1320.0), False
    )
    distance = None
    if with_distance:
        # The distance is whatever the person actually covered: the shaker went nowhere.
        distance = base.steps * member.state["stride"]
    minutes = sum((i.end - i.start).total_seconds() / 60 for i in shaken)
    return [
        _record(
            member,
            day,
            base.steps + extra,
            intervals=honest_walk + shaken,
            distance_m=distance,
            cheat=True,
            variant="shaken 75 min or more" if minutes >= 75 else "shaken under 75 min",
        )
    ]


def shaker_with_distance(member: Member, day: int) -> list[DayRecord]:
    return _shaken(member, day, with_distance=True)


def shaker_without_distance(member: Member, day: int) -> list[DayRecord]:
    return _shaken(member, day, with_distance=False)


def vehicle(member: Member, day: int) -> list[DayRecord]:
    """Rides counted as walking: a car's bumps, or a bike's pedal strokes."""
    record = _honest_record(member, day)
    if record is None or not _cheating(member, day):
        return [record] if record else []
    rng = member.rng
    base = record.record
    bike = member.state["bike"]
    minutes = rng.randint(6, 18) * 5
    speed = rng.uniform(16, 26) if bike else rng.uniform(35, 80)
    cadence = rng.uniform(65, 90) if bike else rng.uniform(20, 60)
    ride = []
    start_minute = 480.0
    for bucket in range(minutes // 5):
        start = _at(day, start_minute + 5 * bucket)
        ride.append(
            Interval(
                start,
                start + timedelta(minutes=5),
                int(cadence * 5 * rng.gauss(1, 0.1)),
                speed * 1000 / 12 if member.state["interval_distance"] else None,
            )
        )
    walk = list(base.intervals)
    walk_m = base.steps * member.state["stride"]
    if member.state["interval_distance"]:
        walk = [Interval(i.start, i.end, i.steps, i.steps * member.state["stride"]) for i in walk]
    ride_steps = sum(i.steps for i in ride)
    ride_m = speed * minutes / 60 * 1000
    intervals = (walk + ride) if (walk or member.state["interval_distance"]) else []
    return [
        _record(
            member,
            day,
            base.steps + ride_steps,
            intervals=intervals,
            distance_m=walk_m + ride_m,
            cheat=True,
        )
    ]


def cap_farmer(member: Member, day: int) -> list[DayRecord]:
    """A fresh account at the cap every day from its first sync: totals only."""
    steps = DAILY_STEP_CAP + member.rng.randint(0, 600)
    return [_record(member, day, steps, cheat=True)]


def slow_ramp(member: Member, day: int) -> list[DayRecord]:
    """An established member whose totals grow 4% a day towards the cap: totals only."""
    record = _honest_record(member, day)
    if record is None or not _cheating(member, day):
        return [record] if record else []
    base = record.record
    growth = 1.04 ** (day - member.state["cheat_from"] + 1)
    steps = int(min(base.steps * growth, DAILY_STEP_CAP * 1.02))
    variant = "at 2x or more" if growth >= 2 else "under 2x"
    return [_record(member, day, steps, cheat=True, variant=variant)]


def manual_entry(member: Member, day: int) -> list[DayRecord]:
    record = _honest_record(member, day)
    if record is None or not _cheating(member, day):
        return [record] if record else []
    rng = member.rng
    steps = int(record.record.steps * rng.uniform(1.2, 2.5))
    how = rng.choice(
        [("manual", "automatic"), ("manual", "unknown"), ("manual", "manual"), (None, "manual")]
    )
    return [_record(member, day, steps, source=how[0], recording_method=how[1], cheat=True)]


def impossible_cadence(member: Member, day: int) -> list[DayRecord]:
    """A spoofing app writing thousands of steps into a few minutes."""
    record = _honest_record(member, day)
    if record is None or not _cheating(member, day):
        return [record] if record else []
    rng = member.rng
    base = record.record
    extra = rng.randint(6000, 14000)
    burst = []
    for bucket in range(rng.randint(2, 6)):
        start = _at(day, 700 + 10 * bucket)
        burst.append(Interval(start, start + timedelta(minutes=rng.choice([1, 5])), extra // 4))
    walk = list(base.intervals) or _walking_intervals(rng, day, base.steps, (420.0, 1320.0), False)
    steps = base.steps + sum(i.steps for i in burst)
    return [_record(member, day, steps, intervals=walk + burst, cheat=True)]


def device_sharer(member: Member, day: int) -> list[DayRecord]:
    """One person's phone syncing their steps for several accounts they opened."""
    walker: Member = member.state["owner"]
    shared = walker.state.setdefault("shared_days", {})
    if day not in shared:
        shared[day] = _honest_record(walker, day)
    record = shared[day]
    if record is None:
        return []
    return [DayRecord(record.record, walker.state["device"], True)]


# --- the population ----------------------------------------------------------------------

HONEST_PATTERNS: dict[str, tuple[float, Callable[[Member, int], list[DayRecord]]]] = {
    "regular": (0.36, regular),
    "getting_fitter": (0.04, getting_fitter),
    "hiker": (0.12, hiker),
    "runner": (0.12, runner),
    "treadmill_runner": (0.03, treadmill_runner),
    "shift_worker": (0.10, shift_worker),
    "phone_switcher": (0.07, phone_switcher),
    "watch_adder": (0.06, watch_adder),
    "new_member": (0.10, regular),
}
CHEAT_PATTERNS: dict[str, Callable[[Member, int], list[DayRecord]]] = {
    "shaker_with_distance": shaker_with_distance,
    "shaker_without_distance": shaker_without_distance,
    "vehicle": vehicle,
    "cap_farmer": cap_farmer,
    "slow_ramp": slow_ramp,
    "manual_entry": manual_entry,
    "impossible_cadence": impossible_cadence,
    "device_sharer": device_sharer,
    "referral_ring": device_sharer,
}


def build_population(honest: int, cheats_per_pattern: int, seed: int) -> list[Member]:
    """`honest` honest members in the mix above and `cheats_per_pattern` of each cheat."""
    rng = random.Random(seed)
    members: list[Member] = []

    def add(pattern: str, is_honest: bool, make, joined: int = 0) -> Member:
        member_rng = random.Random(rng.getrandbits(64))
        member = Member(len(members) + 1, pattern, is_honest, joined, member_rng, make)
        member.state = _walker(member_rng)
        member.state["interval_distance"] = member_rng.random() < 0.5
        member.state["switch_day"] = member_rng.randrange(WARM_UP_DAYS, WARM_UP_DAYS + 20)
        member.state["watch_day"] = member_rng.randrange(WARM_UP_DAYS, WARM_UP_DAYS + 20)
        member.state["bike"] = member_rng.random() < 0.4
        member.state["cheat_from"] = WARM_UP_DAYS
        members.append(member)
        return member

    names = list(HONEST_PATTERNS)
    weights = [HONEST_PATTERNS[name][0] for name in names]
    for _ in range(honest):
        name = rng.choices(names, weights)[0]
        joined = WARM_UP_DAYS if name == "new_member" else 0
        member = add(name, True, HONEST_PATTERNS[name][1], joined)
        if name == "runner":
            member.state["sends_intervals"] = True
    # Honest referrals: friends on their own phones.
    honest_members = [m for m in members if m.honest]
    for member in honest_members[1::7]:
        member.referred_by = rng.choice(honest_members).member_id
        if member.referred_by == member.member_id:
            member.referred_by = None

    for pattern, make in CHEAT_PATTERNS.items():
        if pattern in ("device_sharer", "referral_ring"):
            continue
        for _ in range(cheats_per_pattern):
            joined = WARM_UP_DAYS if pattern == "cap_farmer" else 0
            add(pattern, False, make, joined)
    for pattern in ("device_sharer", "referral_ring"):
        made = 0
        while made < cheats_per_pattern:
            group = rng.randint(3, 5)
            owner = add(f"{pattern}_owner", False, regular)
            owner.state["hidden"] = True  # the walker itself is not scored separately
            previous: Member | None = None
            for _ in range(group):
                sharer = add(pattern, False, device_sharer, WARM_UP_DAYS)
                sharer.state["owner"] = owner
                if pattern == "referral_ring" and previous is not None:
                    sharer.referred_by = previous.member_id
                previous = sharer
                made += 1
    return [m for m in members if not m.state.get("hidden")]
