"""Variants through the API: the product lists them, the cart and orders take variant_id."""

from __future__ import annotations

from datetime import date

from app.coins import ledger
from app.core.db import transaction
from tests.fixtures.variants import variant_named

ADDRESS = {"line1": "1 Main St", "city": "Lagos", "country": "NG"}


def give(user_id: int, coins: int) -> None:
    with transaction():
        ledger.award_step_coins(user_id, date(2026, 1, 1), coins)


def test_the_product_detail_lists_its_variants_and_the_list_flags_them(
    phone, make_variant_product, make_product
):
    shirt = make_variant_product()
    make_product("Bottle", coin_price=100)

    detail = phone.get(f"/products/{shirt.id}").get_json()
    listed = {p["title"]: p["has_variants"] for p in phone.get("/products").get_json()["items"]}

    assert (detail["coin_price"], detail["has_variants"], detail["in_stock"]) == (500, True, True)
    assert [(v["title"], v["coin_price"], v["in_stock"]) for v in detail["variants"]] == [
        ("S", 500, True),
        ("M", 600, False),
        ("L", 700, True),
    ]
    assert detail["variants"][0]["options"] == [{"name": "Size", "value": "S"}]
    assert listed == {"Run Shirt": True, "Bottle": False}


def test_a_product_without_variants_lists_none(phone, make_product):
    bottle = make_product("Bottle", coin_price=100)

    detail = phone.get(f"/products/{bottle.id}").get_json()

    assert (detail["has_variants"], detail["variants"]) == (False, [])


def test_an_unknown_product_is_404(phone):
    assert phone.get("/products/987654").status_code == 404


def test_adding_a_variant_to_the_cart_returns_the_cart(phone, make_variant_product):
    shirt = make_variant_product()
    large = variant_named(shirt, "L")

    answer = phone.post(
        "/cart/items", {"product_id": shirt.id, "variant_id": large.id, "quantity": 2}
    )

    assert answer.status_code == 201
    body = answer.get_json()
    assert body["items"] == [
        {
            "product_id": shirt.id,
            "variant_id": large.id,
            "title": "Run Shirt",
            "variant_title": "L",
            "quantity": 2,
            "coin_price": 700,
            "subtotal": 1400,
            "problem": None,
        }
    ]
    assert body["total_coins"] == 1400
    assert phone.get("/cart").get_json() == body


def test_a_missing_unknown_or_sold_out_variant_is_refused(phone, make_variant_product):
    shirt = make_variant_product()

    missing = phone.post("/cart/items", {"product_id": shirt.id})
    unknown = phone.post("/cart/items", {"product_id": shirt.id, "variant_id": 987654})
    sold_out = phone.post(
        "/cart/items", {"product_id": shirt.id, "variant_id": variant_named(shirt, "M").id}
    )

    assert missing.status_code == 422
    assert missing.get_json()["error"]["details"] == [{"field": "variant_id"}]
    assert unknown.status_code == 422
    assert sold_out.status_code == 409
    assert sold_out.get_json()["error"]["code"] == "out_of_stock"
    assert phone.get("/cart").get_json()["items"] == []


def test_ordering_a_variant_through_the_api(phone, member, make_variant_product):
    give(member.id, 2000)
    shirt = make_variant_product()
    small = variant_named(shirt, "S")

    answer = phone.post(
        "/orders",
        {
            "items": [{"product_id": shirt.id, "variant_id": small.id, "quantity": 2}],
            "shipping_address": ADDRESS,
        },
    )
    refused = phone.post(
        "/orders", {"items": [{"product_id": shirt.id}], "shipping_address": ADDRESS}
    )

    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["total_coins"] == 1000
    assert body["items"][0] == {
        "product_id": shirt.id,
        "title": "Run Shirt",
        "quantity": 2,
        "coin_price": 500,
        "variant_id": small.id,
        "variant_title": "S",
    }
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"] == [
        {"field": "variant_id", "product_id": shirt.id}
    ]
