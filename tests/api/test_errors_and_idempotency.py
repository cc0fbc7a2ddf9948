"""Bad input classes (400/413/415/422/404/405) and Idempotency-Key (SPEC §6)."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select

from app.coins import ledger
from app.core.db import transaction
from app.extensions import db
from app.models.admin import IdempotencyKey
from app.models.orders import Order
from tests.api.conftest import record


def error_of(answer) -> dict:
    body = answer.get_json()
    assert set(body) == {"error"}
    assert {"code", "message", "details"} <= set(body["error"])
    return body["error"]


def test_malformed_json_is_400(phone):
    answer = phone.client.post(
        "/api/v1/steps/sync",
        data="{not json",
        headers={**phone.headers, "Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert error_of(answer)["code"] == "malformed_json"


def test_empty_body_is_400(phone):
    answer = phone.client.post(
        "/api/v1/steps/sync", data="", headers={**phone.headers, "Content-Type": "application/json"}
    )
    assert answer.status_code == 400


def test_non_json_body_is_415(phone):
    answer = phone.client.post("/api/v1/steps/sync", data="a=b", headers=phone.headers)
    assert answer.status_code == 415
    assert error_of(answer)["code"] == "unsupported_media_type"


def test_json_that_is_not_an_object_is_422(phone):
    answer = phone.post("/steps/sync", [1, 2, 3])
    assert answer.status_code == 422


def test_validation_error_lists_the_failing_fields(phone):
    answer = phone.sync({"date": "2026-02-30", "steps": -5, "source": "pedometer"})
    assert answer.status_code == 422
    fields = {d["field"] for d in error_of(answer)["details"]}
    assert {"records.0.date", "records.0.steps", "records.0.source"} <= fields


def test_more_than_100_records_is_413(phone):
    answer = phone.sync(*[record() for _ in range(101)])
    assert answer.status_code == 413
    assert error_of(answer)["code"] == "payload_too_large"


def test_a_body_over_one_mebibyte_is_413(phone):
    big = json.dumps({"records": [record(client_record_id="x" * 100)], "pad": "y" * (1024 * 1024)})
    answer = phone.client.post(
        "/api/v1/steps/sync",
        data=big,
        headers={**phone.headers, "Content-Type": "application/json"},
    )
    assert answer.status_code == 413
    assert error_of(answer)["code"] == "payload_too_large"


def test_unknown_path_and_wrong_method_are_json(client):
    assert error_of(client.get("/api/v1/nothing-here"))["code"] == "not_found"
    answer = client.get("/api/v1/steps/sync")
    assert answer.status_code == 405
    assert error_of(answer)["code"] == "method_not_allowed"


def test_naive_interval_times_are_422(phone):
    rec = record(
        intervals=[{"start": "2026-01-01T08:00:00", "end": "2026-01-01T09:00:00", "steps": 10}]
    )
    assert phone.sync(rec).status_code == 422


def test_interval_ending_before_it_starts_is_422(phone):
    rec = record(
        intervals=[{"start": "2026-01-01T09:00:00Z", "end": "2026-01-01T08:00:00Z", "steps": 10}]
    )
    assert phone.sync(rec).status_code == 422


def test_same_idempotency_key_and_body_replays_the_first_answer(phone, member):
    headers = {"Idempotency-Key": "sync-1"}
    first = phone.sync(record(steps=5_000), headers=headers)
    second = phone.sync(record(steps=5_000), headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.get_json() == second.get_json()
    assert second.get_json()["results"][0]["status"] == "accepted"  # replayed, not "unchanged"


def test_same_idempotency_key_with_another_body_is_409(phone):
    phone.sync(record(steps=5_000), headers={"Idempotency-Key": "k"})
    answer = phone.sync(record(steps=6_000), headers={"Idempotency-Key": "k"})
    assert answer.status_code == 409
    assert error_of(answer)["details"][0]["field"] == "Idempotency-Key"


def test_an_overlong_idempotency_key_is_422(phone):
    assert phone.sync(record(), headers={"Idempotency-Key": "x" * 256}).status_code == 422


def test_a_retried_order_is_placed_once(phone, member, make_product):
    product = make_product(coin_price=100, stock_quantity=5)
    with transaction():
        ledger.award_step_coins(member.id, date(2026, 1, 1), 500)
    body = {
        "items": [{"product_id": product.id}],
        "shipping_address": {"line1": "a", "city": "b", "country": "DE"},
    }
    first = phone.post("/orders", body, headers={"Idempotency-Key": "order-1"})
    retry = phone.post("/orders", body, headers={"Idempotency-Key": "order-1"})
    assert first.status_code == retry.status_code == 201
    assert first.get_json()["order_code"] == retry.get_json()["order_code"]
    assert db.session.execute(select(func.count()).select_from(Order)).scalar_one() == 1
    assert phone.get("/wallet").get_json()["frozen_coins"] == 100


def test_a_refused_order_is_replayed_as_the_same_refusal(phone, make_product):
    product = make_product(coin_price=100)
    body = {
        "items": [{"product_id": product.id}],
        "shipping_address": {"line1": "a", "city": "b", "country": "DE"},
    }
    first = phone.post("/orders", body, headers={"Idempotency-Key": "poor"})
    retry = phone.post("/orders", body, headers={"Idempotency-Key": "poor"})
    assert first.status_code == retry.status_code == 409
    assert first.get_json() == retry.get_json()
    key = db.session.execute(select(IdempotencyKey)).scalar_one()
    assert (key.state, key.response_status) == ("completed", 409)


def test_keys_belong_to_one_member(phone, make_member, make_phone):
    other = make_phone(make_member())
    phone.sync(record(steps=5_000), headers={"Idempotency-Key": "shared"})
    answer = other.sync(record(steps=7_000), headers={"Idempotency-Key": "shared"})
    assert answer.status_code == 200
    assert answer.get_json()["results"][0]["steps"] == 7_000


def test_nul_characters_are_refused_everywhere_with_400(phone, client):
    # PostgreSQL cannot store NUL in text; it must be a clear 400, never a 500.
    answer = phone.post(
        "/orders",
        {
            "items": [{"product_id": 1}],
            "shipping_address": {"line1": "a\u0000b", "city": "c", "country": "DE"},
        },
    )
    assert answer.status_code == 400
    assert "NUL" in error_of(answer)["message"]
    assert phone.get("/products?q=a%00b").status_code == 400
    assert phone.sync(record(), headers={"Idempotency-Key": "k\u0000"}).status_code in (400, 422)
    page = client.get("/login?next=%2Fdashboard%00")
    assert page.status_code == 400
    assert "NUL" in page.get_data(as_text=True)
