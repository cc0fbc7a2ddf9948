"""Admin-editable settings (SPEC §5): typed, validated, defaulted, audited."""

from __future__ import annotations

from dataclasses import asdict

import pytest
from sqlalchemy import func, select

from app.backoffice.settings import (
    ensure_default_settings,
    get_settings,
    update_settings,
    validate_setting,
)
from app.core.errors import ValidationFailed
from app.extensions import db
from app.models.admin import AdminLog, Setting

# Written out from SPEC §5, not imported: the test must notice if the code drifts.
SPEC_DEFAULTS = {
    "steps_per_coin": 100,
    "daily_step_cap": 20_000,
    "hard_daily_step_limit": 100_000,
    "anomaly_threshold": 75,
    "max_backfill_days": 7,
    "referral_referrer_bonus": 500,
    "referral_referred_bonus": 250,
    "leaderboard_top_weekly": 100,
    "leaderboard_top_monthly": 100,
    "leaderboard_top_all_time": 1000,
    # Not in SPEC §5: the /admin alert for a queue older than this (issue 17).
    "review_queue_max_age_hours": 48,
    # Not in SPEC §5: challenges and teams (issue 15).
    "challenge_max_stake": 5_000,
    "challenge_max_participants": 20,
    "challenge_settle_days": 2,
    "team_max_members": 10,
}


def store(key: str, value: object) -> None:
    db.session.add(Setting(key=key, value=value))
    db.session.commit()


def stored_value(key: str) -> object:
    db.session.expire_all()
    return db.session.get(Setting, key).value


def audit_rows() -> list[AdminLog]:
    return db.session.execute(select(AdminLog).order_by(AdminLog.id)).scalars().all()


def test_defaults_from_the_spec_apply_when_nothing_is_stored(app):
    assert db.session.execute(select(func.count()).select_from(Setting)).scalar_one() == 0

    assert asdict(get_settings()) == SPEC_DEFAULTS


def test_ensure_default_settings_stores_each_missing_key_once(app):
    store("steps_per_coin", 50)

    assert ensure_default_settings() == len(SPEC_DEFAULTS) - 1
    db.session.commit()
    assert ensure_default_settings() == 0
    assert stored_value("steps_per_coin") == 50
    assert asdict(get_settings()) == {**SPEC_DEFAULTS, "steps_per_coin": 50}


def test_a_stored_value_overrides_the_default(app):
    store("anomaly_threshold", 60)

    assert get_settings().anomaly_threshold == 60
    assert get_settings().steps_per_coin == 100


@pytest.mark.parametrize("corrupt", ["lots", "", None, True, 0, -5, 10**9, [100], {"v": 1}, 2.5])
def test_a_corrupt_stored_value_falls_back_to_the_default(app, corrupt):
    store("steps_per_coin", corrupt)

    assert get_settings().steps_per_coin == 100


# --- validate_setting ----------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "value"), [(150, 150), ("150", 150), (" 42 ", 42), (1, 1)])
def test_validate_setting_accepts_whole_numbers_and_their_text(raw, value):
    assert validate_setting("steps_per_coin", raw) == value


@pytest.mark.parametrize("raw", ["abc", "", "1.5", 1.5, "ten", None, [1]])
def test_validate_setting_rejects_values_that_are_not_whole_numbers(raw):
    with pytest.raises(ValidationFailed) as raised:
        validate_setting("steps_per_coin", raw)

    assert raised.value.details == [{"field": "steps_per_coin"}]
    assert "whole number" in raised.value.message


@pytest.mark.parametrize("raw", [True, False])
def test_validate_setting_rejects_booleans(raw):
    with pytest.raises(ValidationFailed) as raised:
        validate_setting("anomaly_threshold", raw)

    assert raised.value.details == [{"field": "anomaly_threshold"}]


@pytest.mark.parametrize(
    ("key", "raw", "minimum", "maximum"),
    [
        ("steps_per_coin", 0, 1, 100_000),
        ("anomaly_threshold", 101, 1, 100),
        ("anomaly_threshold", "0", 1, 100),
        ("max_backfill_days", -1, 0, 90),
        ("hard_daily_step_limit", 999, 1_000, 1_000_000),
    ],
)
def test_validate_setting_rejects_out_of_range_values_with_the_limits(key, raw, minimum, maximum):
    with pytest.raises(ValidationFailed) as raised:
        validate_setting(key, raw)

    assert raised.value.details == [{"field": key, "minimum": minimum, "maximum": maximum}]
    assert str(minimum) in raised.value.message
    assert str(maximum) in raised.value.message


@pytest.mark.parametrize(("key", "edge"), [("anomaly_threshold", 1), ("anomaly_threshold", 100)])
def test_validate_setting_accepts_the_range_edges(key, edge):
    assert validate_setting(key, edge) == edge


def test_validate_setting_rejects_an_unknown_key():
    with pytest.raises(ValidationFailed) as raised:
        validate_setting("coins_for_free", 1)

    assert raised.value.details == [{"field": "coins_for_free"}]


# --- update_settings ---------------------------------------------------------------------------


def test_update_settings_stores_and_returns_old_and_new(admin):
    changed = update_settings({"steps_per_coin": "80", "anomaly_threshold": 70}, admin_id=admin.id)
    db.session.commit()

    assert changed == {"steps_per_coin": (100, 80), "anomaly_threshold": (75, 70)}
    assert (stored_value("steps_per_coin"), stored_value("anomaly_threshold")) == (80, 70)
    row = db.session.get(Setting, "steps_per_coin")
    assert row.updated_by_id == admin.id
    assert row.updated_at is not None
    assert get_settings().steps_per_coin == 80


def test_update_settings_writes_one_audit_row_per_changed_key(admin):
    update_settings({"steps_per_coin": 80, "max_backfill_days": 3}, admin_id=admin.id)
    db.session.commit()

    rows = audit_rows()
    assert [(r.admin_id, r.action, r.entity_type) for r in rows] == [
        (admin.id, "setting.update", "setting")
    ] * 2
    by_key = {r.entity_id: r for r in rows}
    assert by_key["steps_per_coin"].before == {"steps_per_coin": 100}
    assert by_key["steps_per_coin"].after == {"steps_per_coin": 80}
    assert by_key["max_backfill_days"].before == {"max_backfill_days": 7}
    assert by_key["max_backfill_days"].after == {"max_backfill_days": 3}


def test_update_settings_skips_unchanged_values(admin):
    update_settings({"steps_per_coin": 80}, admin_id=admin.id)
    db.session.commit()

    changed = update_settings(
        {"steps_per_coin": "80", "daily_step_cap": 20_000, "anomaly_threshold": 90},
        admin_id=admin.id,
    )
    db.session.commit()

    assert changed == {"anomaly_threshold": (75, 90)}
    assert [r.entity_id for r in audit_rows()] == ["steps_per_coin", "anomaly_threshold"]
    assert db.session.get(Setting, "daily_step_cap") is None


def test_a_second_change_audits_the_previous_value(admin):
    update_settings({"steps_per_coin": 80}, admin_id=admin.id)
    db.session.commit()

    assert update_settings({"steps_per_coin": 60}, admin_id=admin.id) == {
        "steps_per_coin": (80, 60)
    }
    db.session.commit()

    last = audit_rows()[-1]
    assert (last.before, last.after) == ({"steps_per_coin": 80}, {"steps_per_coin": 60})
    assert stored_value("steps_per_coin") == 60


def test_one_invalid_value_stores_none_of_the_changes(admin):
    with pytest.raises(ValidationFailed) as raised:
        update_settings({"steps_per_coin": 80, "anomaly_threshold": 500}, admin_id=admin.id)
    db.session.rollback()

    assert raised.value.details[0]["field"] == "anomaly_threshold"
    assert db.session.get(Setting, "steps_per_coin") is None
    assert audit_rows() == []
    assert get_settings().steps_per_coin == 100


def test_update_settings_replaces_a_corrupt_stored_value(admin):
    store("anomaly_threshold", "garbage")

    assert update_settings({"anomaly_threshold": 60}, admin_id=admin.id) == {
        "anomaly_threshold": (75, 60)
    }
    db.session.commit()

    assert stored_value("anomaly_threshold") == 60


@pytest.mark.parametrize("raw", [0, 721, "two days", -1])
def test_review_queue_age_limit_is_validated(app, raw):
    with pytest.raises(ValidationFailed):
        validate_setting("review_queue_max_age_hours", raw)


def test_update_settings_commits_its_own_change_and_audit(admin):
    update_settings({"steps_per_coin": 250}, admin_id=admin.id)
    db.session.rollback()  # a caller that never commits still keeps the change
    assert get_settings().steps_per_coin == 250
    audits = select(func.count()).select_from(AdminLog).where(AdminLog.action == "setting.update")
    assert db.session.execute(audits).scalar_one() == 1
