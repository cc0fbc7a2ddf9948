"""POST /steps/sync and GET /steps (SPEC §3, §6)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models.steps import StepRecord, StepValidation
from app.models.users import User
from app.models.wallet import CoinTransaction
from tests.api.conftest import days_ago, record, today


def coin_total(user_id: int) -> int:
    return db.session.execute(
        select(func.coalesce(func.sum(CoinTransaction.amount), 0)).where(
            CoinTransaction.user_id == user_id
        )
    ).scalar_one()


def test_sync_accepts_a_day_and_awards_floor_of_capped_steps_over_100(phone, member):
    answer = phone.sync(record(steps=8_450))
    assert answer.status_code == 200
    body = answer.get_json()
    result = body["results"][0]
    assert result["status"] == "accepted"
    assert result["coins_awarded"] == 84
    assert body["wallet"]["available_coins"] == 84


def test_achievements_are_evaluated_after_each_sync(phone):
    from app.models.gamification import Achievement

    db.session.add(
        Achievement(
            code="first_steps",
            name="First Steps",
            unlock_criteria={"total_steps": 1},
            reward_coins=10,
        )
    )
    db.session.commit()
    body = phone.sync(record(steps=8_450)).get_json()
    assert body["wallet"]["available_coins"] == 84 + 10
    items = phone.get("/achievements").get_json()["items"]
    assert items[0]["code"] == "first_steps"
    assert items[0]["unlocked_at"] is not None
    assert items[0]["progress"] == 1.0


def test_resync_of_the_same_day_awards_only_the_difference(phone):
    phone.sync(record(steps=5_000))
    answer = phone.sync(record(steps=7_000))
    assert answer.get_json()["results"][0]["coins_awarded"] == 20


def test_resync_with_fewer_steps_claws_nothing_back(phone, member):
    phone.sync(record(steps=9_000))
    before = coin_total(member.id)
    answer = phone.sync(record(steps=6_000))
    assert answer.get_json()["results"][0]["coins_awarded"] == 0
    assert coin_total(member.id) == before


def test_identical_resync_is_unchanged(phone):
    phone.sync(record(steps=5_000))
    result = phone.sync(record(steps=5_000)).get_json()["results"][0]
    assert (result["status"], result["coins_awarded"]) == ("unchanged", 0)


def test_overlapping_sources_count_the_largest_never_the_sum(phone, member):
    answer = phone.sync(record(steps=6_000), record(steps=9_000, source="fitbit"))
    results = answer.get_json()["results"]
    assert sum(r["coins_awarded"] for r in results) == 90
    assert [r["coins_awarded"] for r in results] == [0, 90]
    days = phone.get("/steps").get_json()["days"]
    assert days[-1]["credited_steps"] == 9_000
    assert days[-1]["coins"] == 90


def test_the_daily_cap_limits_coins(phone):
    answer = phone.sync(record(steps=30_000, distance_m=22_000, active_minutes=300))
    result = answer.get_json()["results"][0]
    assert result["status"] == "accepted", result
    assert result["coins_awarded"] == 200


def test_future_and_too_old_dates_are_rejected_with_a_reason(phone):
    answer = phone.sync(record(day=days_ago(-2)), record(day=days_ago(8)))
    future, old = answer.get_json()["results"]
    assert future["status"] == old["status"] == "rejected"
    assert future["reasons"][0]["code"] == "future_date"
    assert old["reasons"][0]["code"] == "too_old"
    assert db.session.execute(select(func.count()).select_from(StepRecord)).scalar_one() == 0


def test_the_oldest_backfill_day_is_still_accepted(phone):
    answer = phone.sync(record(day=days_ago(7)))
    assert answer.get_json()["results"][0]["status"] == "accepted"


def test_over_the_hard_limit_is_rejected_outright(phone):
    answer = phone.sync(record(steps=150_000, distance_m=110_000, active_minutes=1400))
    result = answer.get_json()["results"][0]
    assert result["status"] == "rejected"
    assert result["reasons"][0]["code"] == "over_hard_limit"


def test_a_spike_against_the_members_history_is_flagged_and_earns_nothing(phone, member):
    history = [record(day=days_ago(n), steps=5_000 + 37 * n) for n in range(1, 8)]
    phone.sync(*history)
    before = coin_total(member.id)
    answer = phone.sync(record(steps=48_000, distance_m=36_000, active_minutes=420))
    result = answer.get_json()["results"][0]
    assert result["status"] == "flagged"
    assert result["coins_awarded"] == 0
    codes = {r["code"] for r in result["reasons"]}
    assert "spike_vs_history" in codes
    assert sum(r["weight"] for r in result["reasons"]) >= 75
    assert coin_total(member.id) == before
    validation = db.session.execute(select(StepValidation)).scalar_one()
    assert validation.status == "pending"
    assert validation.anomaly_score >= 75


def test_a_sanity_failure_is_flagged_even_with_a_normal_count(phone):
    answer = phone.sync(record(steps=9_000, distance_m=900))
    result = answer.get_json()["results"][0]
    assert result["status"] == "flagged"
    assert "stride_too_short" in {r["code"] for r in result["reasons"]}


def test_cadence_from_intervals_is_checked(phone):
    day = today()
    intervals = [
        {"start": f"{day}T08:00:00+00:00", "end": f"{day}T08:10:00+00:00", "steps": 4_000},
    ]
    answer = phone.sync(record(steps=4_000, intervals=intervals))
    result = answer.get_json()["results"][0]
    assert result["status"] == "flagged"
    assert "cadence_too_high" in {r["code"] for r in result["reasons"]}


def test_manual_entries_always_go_to_review(phone):
    answer = phone.sync(record(steps=3_000, source="manual", recording_method="manual"))
    result = answer.get_json()["results"][0]
    assert result["status"] == "flagged"
    assert result["coins_awarded"] == 0
    assert "manual_entry" in {r["code"] for r in result["reasons"]}


def test_dates_follow_the_members_time_zone(client, make_member, make_phone):
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    walker = make_member(timezone="Pacific/Kiritimati")  # UTC+14: already tomorrow
    phone = make_phone(walker)
    local_today = datetime.now(UTC).astimezone(ZoneInfo("Pacific/Kiritimati")).date()
    answer = phone.sync(record(day=local_today.isoformat()))
    assert answer.get_json()["results"][0]["status"] == "accepted"


def test_one_batch_is_one_transaction_across_many_days(phone, member):
    batch = [record(day=days_ago(n), steps=6_000 + n) for n in range(0, 8)]
    answer = phone.sync(*batch)
    assert answer.status_code == 200
    assert [r["status"] for r in answer.get_json()["results"]] == ["accepted"] * 8
    assert db.session.execute(select(func.count()).select_from(StepRecord)).scalar_one() == 8


def test_get_steps_lists_records_and_days_in_range(phone):
    phone.sync(record(day=days_ago(1), steps=7_000), record(day=days_ago(3), steps=4_000))
    body = phone.get(f"/steps?from={days_ago(3)}&to={days_ago(1)}").get_json()
    assert [r["date"] for r in body["records"]] == [days_ago(3), days_ago(1)]
    assert [d["credited_steps"] for d in body["days"]] == [4_000, 0, 7_000]
    assert [d["coins"] for d in body["days"]] == [40, 0, 70]


def test_get_steps_with_from_after_to_is_422(phone):
    answer = phone.get(f"/steps?from={days_ago(1)}&to={days_ago(3)}")
    assert answer.status_code == 422


def test_get_steps_with_a_bad_date_is_422(phone):
    answer = phone.get("/steps?from=yesterday")
    assert answer.status_code == 422
    assert answer.get_json()["error"]["details"][0]["field"] == "from"


def test_a_member_only_ever_sees_their_own_steps(phone, make_member, make_phone):
    other = make_phone(make_member())
    other.sync(record(steps=12_345))
    assert phone.get("/steps").get_json()["records"] == []


def test_rejected_day_stays_rejected_on_resync(phone, member):
    phone.sync(record(steps=3_000, source="manual", recording_method="manual"))
    row = db.session.execute(select(StepRecord)).scalar_one()
    row.status = "rejected"
    db.session.commit()
    answer = phone.sync(record(steps=3_500, source="manual", recording_method="manual"))
    result = answer.get_json()["results"][0]
    assert result["status"] == "rejected"
    assert result["reasons"][0]["code"] == "rejected_on_review"


def test_sync_response_wallet_matches_get_wallet(phone):
    body = phone.sync(record(steps=4_321)).get_json()
    assert phone.get("/wallet").get_json() == body["wallet"]


def test_banned_member_cannot_sync(phone, member):
    db.session.get(User, member.id).status = "banned"
    db.session.commit()
    assert phone.sync(record()).status_code == 403
