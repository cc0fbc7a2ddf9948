"""Promo codes through /api/v1: redeem a coin code; a discount code on POST /orders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.coins import ledger
from app.core.db import transaction
from app.extensions import db
from app.models.users import UserAddress
from app.orders import promo_codes
from tests.api.conftest import Phone


def test_redeeming_a_coin_code_answers_201_with_the_new_wallet(app, admin, member):
    promo_codes.create_code({"code": "APP100", "kind": "coins", "value": 100}, admin_id=admin.id)
    phone = Phone(app.test_client(), member.email)

    answer = phone.post("/promo-codes/redeem", {"code": "app100"})

    assert answer.status_code == 201
    body = answer.get_json()
    assert (body["code"], body["coins"], body["wallet"]["available_coins"]) == ("APP100", 100, 100)
    history = phone.get("/wallet/transactions").get_json()["items"]
    assert history[0]["transaction_type"] == "promo_credit"
    assert (history[0]["reference_type"], history[0]["reference_id"]) == ("promo_code", "APP100")


def test_a_refused_code_is_a_422_in_the_error_shape_with_its_reason(app, admin, member):
    promo_codes.create_code(
        {
            "code": "OLD",
            "kind": "coins",
            "value": 5,
            "starts_at": datetime.now(UTC) - timedelta(days=10),
            "ends_at": datetime.now(UTC) - timedelta(days=1),
        },
        admin_id=admin.id,
    )
    phone = Phone(app.test_client(), member.email)

    expired = phone.post("/promo-codes/redeem", {"code": "OLD"})
    unknown = phone.post("/promo-codes/redeem", {"code": "NEVER"})
    empty = phone.post("/promo-codes/redeem", {"code": ""})

    assert expired.status_code == unknown.status_code == empty.status_code == 422
    assert expired.get_json()["error"]["code"] == "promo_code_expired"
    assert expired.get_json()["error"]["details"][0]["field"] == "code"
    assert unknown.get_json()["error"]["code"] == "promo_code_unknown"
    assert empty.get_json()["error"]["code"] == "validation_error"


def test_a_retried_redeem_with_the_same_key_replays_and_credits_once(app, admin, member):
    promo_codes.create_code(
        {"code": "TWICE", "kind": "coins", "value": 30, "max_uses_per_member": 5},
        admin_id=admin.id,
    )
    phone = Phone(app.test_client(), member.email)

    first = phone.post("/promo-codes/redeem", {"code": "TWICE"}, headers={"Idempotency-Key": "k1"})
    again = phone.post("/promo-codes/redeem", {"code": "TWICE"}, headers={"Idempotency-Key": "k1"})

    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert phone.get("/wallet").get_json()["available_coins"] == 30


def test_an_order_with_a_discount_code_freezes_the_discounted_total(
    app, admin, member, make_product
):
    promo_codes.create_code({"code": "FIFTY", "kind": "fixed", "value": 50}, admin_id=admin.id)
    product = make_product(coin_price=300)
    with transaction():
        ledger.adjust_by_admin(member.id, 1000, "funds", admin_id=admin.id)
    db.session.add(
        UserAddress(user_id=member.id, is_default=True, line1="1 Way", city="Oslo", country="NO")
    )
    db.session.commit()
    phone = Phone(app.test_client(), member.email)

    answer = phone.post(
        "/orders", {"items": [{"product_id": product.id, "quantity": 1}], "promo_code": "fifty"}
    )
    refused = phone.post(
        "/orders", {"items": [{"product_id": product.id, "quantity": 1}], "promo_code": "FIFTY"}
    )

    assert answer.status_code == 201
    body = answer.get_json()
    assert (body["total_coins"], body["promo_code"], body["discount_coins"]) == (250, "FIFTY", 50)
    assert phone.get("/wallet").get_json()["frozen_coins"] == 250
    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "promo_code_member_limit"
    assert refused.get_json()["error"]["details"][0]["field"] == "promo_code"


def test_the_openapi_document_has_the_redeem_operation_and_the_order_field(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()

    operation = document["paths"]["/api/v1/promo-codes/redeem"]["post"]
    assert "201" in operation["responses"] and "422" in operation["responses"]
    assert "promo_code" in document["components"]["schemas"]["OrderIn"]["properties"]
