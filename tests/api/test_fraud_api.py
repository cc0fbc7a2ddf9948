"""Issue 13 through the phone API: typed-in steps, refused days kept, reasons, appeals,
phones shared between accounts."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.fraud import review
from app.models.linked_accounts import AccountDevice, SignupAddress
from app.models.steps import StepRecord, StepValidation
from tests.api.conftest import record, today


def cases() -> list[StepValidation]:
    return list(db.session.execute(select(StepValidation)).scalars())


@pytest.mark.parametrize("method", [None, "automatic", "unknown", "manual"])
def test_source_manual_goes_to_review_whatever_the_recording_method_says(phone, method):
    extra = {} if method is None else {"recording_method": method}
    result = phone.sync(record(steps=6000, source="manual", **extra)).get_json()["results"][0]

    assert result["status"] == "flagged"
    assert result["coins_awarded"] == 0
    assert [r["code"] for r in result["reasons"]] == ["manual_entry"]
    assert "typed into FitKart by hand" in result["reasons"][0]["message"]


def test_unknown_recording_method_from_a_health_app_is_scored_like_a_sensor(phone):
    result = phone.sync(record(steps=6000, recording_method="unknown")).get_json()["results"][0]

    assert result["status"] == "accepted"


def test_a_day_over_the_hard_limit_is_refused_and_kept_for_admins(phone, member):
    result = phone.sync(record(steps=150_000, distance_m=110_000, active_minutes=1400))
    body = result.get_json()["results"][0]

    assert body["status"] == "rejected"
    assert body["coins_awarded"] == 0
    stored = db.session.execute(select(StepRecord)).scalar_one()
    assert (stored.status, stored.steps) == ("rejected", 150_000)
    [case] = cases()
    assert case.status == "rejected"
    assert case.reasons[0]["code"] == "over_hard_limit"
    assert review.queue_size(review.QueueFilters(status="rejected")) == 1
    listed = phone.get("/steps").get_json()
    assert listed["days"][-1]["coins"] == 0
    assert listed["records"][0]["reasons"][0]["code"] == "over_hard_limit"
    assert listed["records"][0]["can_appeal"] is True


def test_get_steps_returns_each_records_reasons_and_weights(phone):
    phone.sync(record(steps=9_000, distance_m=900))

    [listed] = phone.get("/steps").get_json()["records"]

    assert listed["status"] == "pending"
    assert listed["review_status"] == "pending"
    assert listed["can_appeal"] is False
    assert "stride_too_short" in {r["code"] for r in listed["reasons"]}
    assert all(r["message"] and r["weight"] >= 0 for r in listed["reasons"])


def test_a_clean_day_lists_no_reasons(phone):
    phone.sync(record(steps=7_000))

    [listed] = phone.get("/steps").get_json()["records"]

    assert (listed["reasons"], listed["review_status"]) == ([], None)


def test_appeal_a_rejected_day_once_through_the_api(phone, member, admin):
    phone.sync(record(steps=9_000, distance_m=900))
    [case] = cases()

    too_early = phone.post(f"/steps/{today()}/appeal", {"message": "I walked"})
    assert too_early.status_code == 409
    assert too_early.get_json()["error"]["code"] == "invalid_transition"

    review.reject(case.id, admin_id=admin.id, note="The distance does not fit the steps.")
    answer = phone.post(f"/steps/{today()}/appeal", {"message": "  My phone lost GPS.  "})

    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["date"], body["status"], body["message"]) == (
        today(),
        "appealed",
        "My phone lost GPS.",
    )
    db.session.expire_all()
    assert db.session.get(StepValidation, case.id).status == "appealed"

    again = phone.post(f"/steps/{today()}/appeal", {"message": "Please?"})
    assert again.status_code == 409
    assert "once" in again.get_json()["error"]["message"]


def test_appeal_errors_use_the_spec_error_shape(phone):
    never = phone.post(f"/steps/{today()}/appeal", {"message": "hi"})
    bad_date = phone.post("/steps/yesterday/appeal", {"message": "hi"})
    empty = phone.post(f"/steps/{today()}/appeal", {"message": ""})
    blank = phone.post(f"/steps/{today()}/appeal", {"message": "   "})

    assert never.status_code == 404
    assert never.get_json()["error"]["code"] == "not_found"
    assert bad_date.status_code == 422
    assert bad_date.get_json()["error"]["details"] == [{"field": "date"}]
    assert empty.status_code == 422
    assert blank.status_code == 422
    assert set(blank.get_json()["error"]) == {"code", "message", "details"}


def test_appeal_is_only_for_the_members_own_days(phone, make_member, make_phone, admin):
    phone.sync(record(steps=9_000, distance_m=900))
    [case] = cases()
    review.reject(case.id, admin_id=admin.id, note="No.")
    stranger = make_phone(make_member())

    answer = stranger.post(f"/steps/{today()}/appeal", {"message": "mine now"})

    assert answer.status_code == 404
    assert db.session.get(StepValidation, case.id).status == "rejected"


def test_sync_records_the_phone_and_a_second_account_on_it_is_flagged(
    client, make_member, make_phone
):
    first, second = make_member(), make_member()
    one, two = make_phone(first), make_phone(second)

    mine = one.post("/steps/sync", {"device_id": "pixel-7-abc", "records": [record(steps=7000)]})
    theirs = two.post("/steps/sync", {"device_id": "pixel-7-abc", "records": [record(steps=7000)]})

    assert mine.get_json()["results"][0]["status"] == "accepted"
    result = theirs.get_json()["results"][0]
    assert result["status"] == "flagged"
    assert [r["code"] for r in result["reasons"]] == ["shared_device"]
    assert result["reasons"][0]["weight"] >= 75
    devices = db.session.execute(select(AccountDevice.user_id, AccountDevice.device_id)).all()
    assert sorted(devices) == sorted([(first.id, "pixel-7-abc"), (second.id, "pixel-7-abc")])


def test_registration_through_the_api_records_the_sign_up_address(client):
    answer = client.post(
        "/api/v1/auth/register",
        json={"email": "new@example.com", "password": "walk-more-2026", "full_name": "New One"},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )

    assert answer.status_code == 201
    stored = db.session.execute(select(SignupAddress.ip_address)).scalar_one()
    assert stored == "203.0.113.9"
    assert db.session.execute(select(func.count()).select_from(SignupAddress)).scalar_one() == 1


def test_the_member_is_told_in_plain_words_why_a_day_is_held(phone, member):
    from app.models.notifications import Notification

    phone.sync(record(steps=9_000, distance_m=900))

    notice = db.session.execute(
        select(Notification).where(Notification.user_id == member.id)
    ).scalar_one()
    assert "are being reviewed" in notice.title
    assert "Why: Average stride of 0.10 m" in notice.body


def test_the_issues_hike_after_a_week_of_8000_step_days_is_accepted(phone):
    from tests.api.conftest import days_ago

    week = [record(day=days_ago(n), steps=8000 + 120 * (n % 3)) for n in range(1, 8)]
    phone.sync(*week)

    result = phone.sync(record(steps=15_000)).get_json()["results"][0]

    assert result["status"] == "accepted"
    assert result["reasons"] == []
    assert result["coins_awarded"] == 150


def test_a_phone_shaker_that_sends_no_distance_is_caught_by_its_steady_cadence(phone):
    from datetime import datetime, timedelta

    start = datetime.fromisoformat(f"{today()}T01:00:00+00:00")
    shaken = [
        {
            "start": (start + timedelta(minutes=n)).isoformat(),
            "end": (start + timedelta(minutes=n + 1)).isoformat(),
            "steps": 140 + (n % 2),
        }
        for n in range(120)
    ]
    entry = record(steps=16_860, intervals=shaken)
    entry.pop("distance_m")

    result = phone.sync(entry).get_json()["results"][0]

    assert result["status"] == "flagged"
    assert [r["code"] for r in result["reasons"]] == ["machine_steady_cadence"]
