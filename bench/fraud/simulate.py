"""Run the labeled population through the anti-cheat exactly as sync scores a day.

Each simulated day, every member's records go through `steps.evidence_for` and
`anticheat.assess_day` with the member's verified history and the context sync builds
(account age, the cap, other accounts seen on the same phone). What review would do
afterwards is modelled too: a flagged honest day is approved (it joins the history), a
flagged cheat day is rejected (it never does). Referral bonuses are held by the same
`linked_accounts.devices_link` rule the referral service applies.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from app.fraud.linked_accounts import DEVICE_LINK_DAYS, devices_link
from app.fraud.scoring import MemberContext, assess_day
from app.steps.sync import evidence_for
from bench.fraud.population import (
    DAILY_STEP_CAP,
    MEASURED_DAYS,
    WARM_UP_DAYS,
    Member,
    build_population,
)

SCORE_BUCKETS = ((0, 0), (1, 24), (25, 49), (50, 74), (75, 99), (100, 100))
# Where the data truly cannot tell a cheat from an honest member (README, "Anti-cheat"):
# a slow ramp stays inside the member's own variation day after day, as someone getting
# fitter or recovering from an injury does; a shaker session under 75 minutes with no
# give-away distance is an hour on a treadmill.
CANNOT_TELL_PATTERNS = frozenset({"slow_ramp"})
CANNOT_TELL_VARIANTS = frozenset({"shaken under 75 min"})


@dataclass
class PatternTally:
    honest: bool
    days: int = 0
    flagged: int = 0

    @property
    def rate(self) -> float:
        return self.flagged / self.days if self.days else 0.0


@dataclass
class Report:
    patterns: dict[str, PatternTally] = field(default_factory=dict)
    variants: dict[str, PatternTally] = field(default_factory=dict)
    scores: dict[bool, Counter] = field(default_factory=lambda: {True: Counter(), False: Counter()})
    flags_without_reason: int = 0
    reasons_fired: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    bonuses: dict[bool, list[int]] = field(default_factory=lambda: {True: [0, 0], False: [0, 0]})

    def _total(self, honest: bool) -> PatternTally:
        tally = PatternTally(honest)
        for pattern in self.patterns.values():
            if pattern.honest == honest:
                tally.days += pattern.days
                tally.flagged += pattern.flagged
        return tally

    @property
    def honest(self) -> PatternTally:
        return self._total(True)

    @property
    def cheats(self) -> PatternTally:
        return self._total(False)

    @property
    def told(self) -> PatternTally:
        """Cheat-days outside the parts the data cannot tell (see CANNOT_TELL_*)."""
        tally = self.cheats
        for name, pattern in self.patterns.items():
            if not pattern.honest and name in CANNOT_TELL_PATTERNS:
                tally.days -= pattern.days
                tally.flagged -= pattern.flagged
        for name, part in self.variants.items():
            pattern, _, variant = name.partition(": ")
            if variant in CANNOT_TELL_VARIANTS and pattern not in CANNOT_TELL_PATTERNS:
                tally.days -= part.days
                tally.flagged -= part.flagged
        return tally

    @property
    def precision(self) -> float:
        caught = self.cheats.flagged
        flagged = caught + self.honest.flagged
        return caught / flagged if flagged else 1.0


def simulate(members: list[Member], *, threshold: int = 75, hard_limit: int = 100_000) -> Report:
    report = Report()
    history: dict[int, dict[date, int]] = defaultdict(dict)
    devices: dict[str, dict[int, int]] = defaultdict(dict)  # device -> member -> last day
    member_devices: dict[int, set[str]] = defaultdict(set)
    for day in range(WARM_UP_DAYS + MEASURED_DAYS):
        for member in members:
            records = member.days(day)
            if not records:
                continue
            flagged = False
            credited = 0
            for entry in records:
                others = 0
                if entry.device_id:
                    devices[entry.device_id][member.member_id] = day
                    member_devices[member.member_id].add(entry.device_id)
                    others = sum(
                        1
                        for other, seen in devices[entry.device_id].items()
                        if other != member.member_id and day - seen <= DEVICE_LINK_DAYS
                    )
                verdict = assess_day(
                    evidence_for(entry.record),
                    history[member.member_id],
                    threshold=threshold,
                    hard_limit=hard_limit,
                    context=MemberContext(
                        account_age_days=day - member.joined_day,
                        daily_step_cap=DAILY_STEP_CAP,
                        device_id=entry.device_id,
                        other_accounts_on_device=others,
                    ),
                )
                if day >= WARM_UP_DAYS:
                    report.scores[member.honest][_bucket(verdict.score)] += 1
                if verdict.needs_review:
                    flagged = True
                    if day >= WARM_UP_DAYS:
                        if not any(r.message for r in verdict.reasons):
                            report.flags_without_reason += 1
                        for reason in verdict.reasons:
                            report.reasons_fired[member.pattern][reason.code] += 1
                # Review approves an honest day and rejects a cheat's.
                if not verdict.needs_review or not entry.cheat:
                    credited = max(credited, entry.record.steps)
            if credited:
                history[member.member_id][records[0].record.day] = credited
            if day >= WARM_UP_DAYS:
                tally = report.patterns.setdefault(member.pattern, PatternTally(member.honest))
                tally.days += 1
                tally.flagged += flagged
                variant = next((r.variant for r in records if r.variant), None)
                if variant:
                    part = report.variants.setdefault(
                        f"{member.pattern}: {variant}", PatternTally(member.honest)
                    )
                    part.days += 1
                    part.flagged += flagged
    for member in members:
        if member.referred_by is None:
            continue
        held = devices_link(member_devices[member.member_id], member_devices[member.referred_by])
        counts = report.bonuses[member.honest]
        counts[0] += 1
        counts[1] += held
    return report


def _bucket(score: int) -> str:
    for low, high in SCORE_BUCKETS:
        if low <= score <= high:
            return f"{low}-{high}" if low != high else str(low)
    return "?"


def run(honest: int, cheats_per_pattern: int, seed: int, threshold: int = 75) -> Report:
    return simulate(build_population(honest, cheats_per_pattern, seed), threshold=threshold)


def format_report(report: Report) -> str:
    lines = [f"{'pattern':28} {'kind':6} {'days':>7} {'flagged':>8} {'rate':>7}"]
    for name, tally in sorted(report.patterns.items(), key=lambda kv: (not kv[1].honest, kv[0])):
        kind = "honest" if tally.honest else "cheat"
        label = "false-flag" if tally.honest else "recall"
        lines.append(
            f"{name:28} {kind:6} {tally.days:7} {tally.flagged:8} {tally.rate:7.2%}  {label}"
        )
    for name, tally in sorted(report.variants.items()):
        lines.append(f"  {name:40} {tally.days:5} {tally.flagged:8} {tally.rate:7.2%}")
    honest, cheats = report.honest, report.cheats
    lines += [
        "",
        f"honest member-days flagged (false-flag rate): {honest.flagged}/{honest.days}"
        f" = {honest.rate:.2%}",
        f"cheat-days caught (recall): {cheats.flagged}/{cheats.days} = {cheats.rate:.2%}",
        f"  of those the data can tell (all but slow ramps and shaker sessions under 75 min):"
        f" {report.told.flagged}/{report.told.days} = {report.told.rate:.2%}",
        f"precision (cheat share of flags, in this mix): {report.precision:.2%}",
        f"flags without a readable reason: {report.flags_without_reason}",
        "",
        "score distribution (member-records):   "
        + "  ".join(f"{low}-{high}" for low, high in SCORE_BUCKETS),
    ]
    for honest_kind in (True, False):
        counts = report.scores[honest_kind]
        total = sum(counts.values()) or 1
        cells = "  ".join(f"{counts[_bucket(low)] / total:6.2%}" for low, _ in SCORE_BUCKETS)
        lines.append(f"  {'honest' if honest_kind else 'cheat ':7} ({total:>6})           {cells}")
    ring, friends = report.bonuses[False], report.bonuses[True]
    lines += [
        "",
        f"referral bonuses held: referral rings {ring[1]}/{ring[0]}, "
        f"honest friends {friends[1]}/{friends[0]}",
    ]
    return "\n".join(lines)
