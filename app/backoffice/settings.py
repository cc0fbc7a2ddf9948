"""Admin-editable settings (SPEC §5): typed, validated, defaulted, audited."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import select

from app.backoffice.audit import record_admin_action
from app.core.db import transaction
from app.core.errors import ValidationFailed
from app.extensions import db
from app.models.admin import Setting
from app.models.base import utcnow


@dataclass(frozen=True)
class SettingSpec:
    key: str
    default: int
    minimum: int
    maximum: int
    description: str


SPECS: tuple[SettingSpec, ...] = (
    SettingSpec("steps_per_coin", 100, 1, 100_000, "Steps needed for one coin."),
    SettingSpec("daily_step_cap", 20_000, 1, 200_000, "Most steps a day can earn coins for."),
    SettingSpec(
        "hard_daily_step_limit", 100_000, 1_000, 1_000_000, "A day above this is rejected."
    ),
    SettingSpec("anomaly_threshold", 75, 1, 100, "Anomaly score that sends a day to review."),
    SettingSpec("max_backfill_days", 7, 0, 90, "How many past days a sync may still change."),
    SettingSpec("referral_referrer_bonus", 500, 0, 1_000_000, "Coins for the inviting member."),
    SettingSpec("referral_referred_bonus", 250, 0, 1_000_000, "Coins for the invited member."),
    SettingSpec("leaderboard_top_weekly", 100, 1, 10_000, "Size of the weekly top list."),
    SettingSpec("leaderboard_top_monthly", 100, 1, 10_000, "Size of the monthly top list."),
    SettingSpec("leaderboard_top_all_time", 1000, 1, 100_000, "Size of the all-time top list."),
    SettingSpec(
        "review_queue_max_age_hours",
        48,
        1,
        720,
        "Hours a flagged day may wait for review before /admin raises an alert.",
    ),
    SettingSpec("challenge_max_stake", 5_000, 0, 1_000_000, "Most coins a challenge may stake."),
    SettingSpec("challenge_max_participants", 20, 2, 500, "Most members a challenge may have."),
    SettingSpec(
        "challenge_settle_days",
        2,
        0,
        30,
        "Days a challenge waits after its last day before it settles (late syncs, reviews).",
    ),
    SettingSpec("team_max_members", 10, 2, 500, "Most members a team may have."),
)
SPEC_BY_KEY = {spec.key: spec for spec in SPECS}


@dataclass(frozen=True)
class AppSettings:
    steps_per_coin: int = 100
    daily_step_cap: int = 20_000
    hard_daily_step_limit: int = 100_000
    anomaly_threshold: int = 75
    max_backfill_days: int = 7
    referral_referrer_bonus: int = 500
    referral_referred_bonus: int = 250
    leaderboard_top_weekly: int = 100
    leaderboard_top_monthly: int = 100
    leaderboard_top_all_time: int = 1000
    review_queue_max_age_hours: int = 48
    challenge_max_stake: int = 5_000
    challenge_max_participants: int = 20
    challenge_settle_days: int = 2
    team_max_members: int = 10


assert {f.name for f in fields(AppSettings)} == set(SPEC_BY_KEY)


def validate_setting(key: str, raw: Any) -> int:
    """The typed value for `key`, or ValidationFailed saying what is wrong."""
    spec = SPEC_BY_KEY.get(key)
    if spec is None:
        raise ValidationFailed(f"Unknown setting {key!r}.", details=[{"field": key}])
    if isinstance(raw, bool):
        raise ValidationFailed(f"{key} must be a whole number.", details=[{"field": key}])
    try:
        value = int(str(raw).strip()) if not isinstance(raw, int) else raw
    except ValueError:
        raise ValidationFailed(f"{key} must be a whole number.", details=[{"field": key}]) from None
    if not spec.minimum <= value <= spec.maximum:
        raise ValidationFailed(
            f"{key} must be between {spec.minimum} and {spec.maximum}.",
            details=[{"field": key, "minimum": spec.minimum, "maximum": spec.maximum}],
        )
    return value


def get_settings() -> AppSettings:
    """Current settings: stored values over the defaults (a bad stored value is ignored)."""
    stored: dict[str, Any] = dict(db.session.execute(select(Setting.key, Setting.value)).all())
    values: dict[str, int] = {}
    for spec in SPECS:
        if spec.key in stored:
            try:
                values[spec.key] = validate_setting(spec.key, stored[spec.key])
            except ValidationFailed:
                values[spec.key] = spec.default
        else:
            values[spec.key] = spec.default
    return AppSettings(**values)


def ensure_default_settings() -> int:
    """Store every missing setting with its default. Returns how many were added."""
    existing = set(db.session.execute(select(Setting.key)).scalars())
    added = 0
    for spec in SPECS:
        if spec.key not in existing:
            db.session.add(Setting(key=spec.key, value=spec.default, description=spec.description))
            added += 1
    db.session.flush()
    return added


def update_settings(changes: dict[str, Any], *, admin_id: int) -> dict[str, tuple[int, int]]:
    """Validate every change first, then store and audit each old → new value.

    Returns {key: (old, new)} for what actually changed. Its own transaction (or a step of
    the caller's).
    """
    with transaction():
        current = get_settings()
        validated = {key: validate_setting(key, raw) for key, raw in changes.items()}
        changed: dict[str, tuple[int, int]] = {}
        for key, new in validated.items():
            old = getattr(current, key)
            if old == new:
                continue
            row = db.session.get(Setting, key)
            if row is None:
                row = Setting(key=key, description=SPEC_BY_KEY[key].description)
                db.session.add(row)
            row.value = new
            row.updated_at = utcnow()
            row.updated_by_id = admin_id
            record_admin_action(
                admin_id, "setting.update", "setting", key, before={key: old}, after={key: new}
            )
            changed[key] = (old, new)
        db.session.flush()
    return changed
