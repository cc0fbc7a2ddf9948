"""Wallet, transactions, leaderboard, products and orders through the API."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.coins import ledger
from app.core.db import transaction
from app.extensions import db
from app.models.gamification import LeaderboardEntry
from app.models.users import UserAddress
from tests.api.conftest import record

ADDRESS = {"line1": "1 Main St", "city": "Lagos", "country": "ng", "recipient_name": "Mia M"}


def give(user_id: int, coins: int, day: date = date(2026, 1, 1)) -> None:
    with transaction():
        ledger.award_step_coins(user_id, day, coins)


def test_transactions_are_newest_first_and_paginate_with_a_cursor(phone, member):
    for d in range(1, 6):
        give(member.id, d * 10, date(2026, 1, d))
    first = phone.get("/wallet/transactions?limit=2").get_json()
    assert [t["amount"] for t in first["items"]] == [50, 40]
    assert first["next_cursor"]
    # a new movement between pages does not shift the next page
    give(member.id, 99, date(2026, 2, 1))
    second = phone.get(f"/wallet/transactions?limit=2&cursor={first['next_cursor']}").get_json()
    assert [t["amount"] for t in second["items"]] == [30, 20]
    third = phone.get(f"/wallet/transactions?limit=2&cursor={second['next_cursor']}").get_json()
    assert [t["amount"] for t in third["items"]] == [10]
    assert third["next_cursor"] is None
    assert {"available_after", "frozen_after", "reference_type"} <= set(third["items"][0])


def test_a_bad_cursor_or_limit_is_422(phone):
    assert phone.get("/wallet/transactions?cursor=%%%").status_code == 422
    assert phone.get("/wallet/transactions?limit=0").status_code == 422
    assert phone.get("/wallet/transactions?limit=abc").status_code == 422


def test_transactions_never_show_another_members_movements(phone, make_member):
    other = make_member()
    give(other.id, 500)
    assert phone.get("/wallet/transactions").get_json()["items"] == []


def test_leaderboard_reads_the_cache_and_includes_my_rank(phone, member, make_member):
    others = [make_member(full_name=f"Runner Number{i}") for i in range(3)]
    now = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    for rank, user in enumerate([*others, member], start=1):
        db.session.add(
            LeaderboardEntry(
                period="weekly",
                period_start=date(2026, 11, 16),
                user_id=user.id,
                rank=rank,
                total_steps=100_000 - rank,
                generated_at=now,
            )
        )
    db.session.commit()
    body = phone.get("/leaderboard?period=weekly&limit=2").get_json()
    assert [e["rank"] for e in body["entries"]] == [1, 2]
    assert body["entries"][0]["display_name"] == "Runner N."
    assert body["me"] == {"rank": 4, "total_steps": 99_996}
    assert body["generated_at"].startswith("2026-11-20T02:00:00")


def test_leaderboard_without_data_is_empty_and_me_is_null(phone):
    body = phone.get("/leaderboard?period=all_time").get_json()
    assert body == {"period": "all_time", "generated_at": None, "entries": [], "me": None}


def test_leaderboard_with_an_unknown_period_is_422(phone):
    assert phone.get("/leaderboard?period=daily").status_code == 422


def test_products_search_filter_and_paginate(phone, make_product):
    make_product("Yoga Mat", category="Gear")
    make_product("Water Bottle", category="Gear")
    make_product("Earbuds", category="Electronics", stock_quantity=0)
    make_product("Hidden", is_active=False)
    gear = phone.get("/products?category=gear").get_json()
    assert [p["title"] for p in gear["items"]] == ["Yoga Mat", "Water Bottle"]
    found = phone.get("/products?q=BOTT").get_json()
    assert [p["title"] for p in found["items"]] == ["Water Bottle"]
    page = phone.get("/products?limit=2").get_json()
    rest = phone.get(f"/products?limit=2&cursor={page['next_cursor']}").get_json()
    titles = [p["title"] for p in page["items"] + rest["items"]]
    assert titles == ["Yoga Mat", "Water Bottle", "Earbuds"]
    assert rest["items"][0]["in_stock"] is False


def test_product_search_treats_percent_literally(phone, make_product):
    make_product("100% Cotton Socks")
    make_product("Plain Socks")
    assert [p["title"] for p in phone.get("/products?q=%25").get_json()["items"]] == [
        "100% Cotton Socks"
    ]


def test_order_then_cancel_round_trip(phone, member, make_product):
    product = make_product(coin_price=300, stock_quantity=5)
    give(member.id, 1000)
    answer = phone.post(
        "/orders",
        {"items": [{"product_id": product.id, "quantity": 2}], "shipping_address": ADDRESS},
    )
    assert answer.status_code == 201, answer.get_json()
    order = answer.get_json()
    assert order["order_code"].startswith(f"FK-{datetime.now(UTC).year}-")
    assert (order["status"], order["total_coins"]) == ("pending", 600)
    assert order["shipping_address"]["country"] == "NG"
    assert phone.get("/wallet").get_json()["frozen_coins"] == 600
    listed = phone.get("/orders").get_json()["items"]
    assert [o["order_code"] for o in listed] == [order["order_code"]]
    cancelled = phone.post(f"/orders/{order['order_code']}/cancel")
    assert cancelled.get_json()["status"] == "cancelled"
    wallet = phone.get("/wallet").get_json()
    assert (wallet["available_coins"], wallet["frozen_coins"]) == (1000, 0)
    again = phone.post(f"/orders/{order['order_code']}/cancel")
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "invalid_transition"


def test_order_uses_a_saved_address(phone, member, make_product):
    product = make_product(coin_price=100)
    give(member.id, 100)
    address = UserAddress(user_id=member.id, line1="2 Side St", city="Pune", country="IN")
    db.session.add(address)
    db.session.commit()
    answer = phone.post(
        "/orders", {"items": [{"product_id": product.id}], "address_id": address.id}
    )
    assert answer.status_code == 201
    assert answer.get_json()["shipping_address"]["city"] == "Pune"


def test_order_with_both_address_kinds_is_422(phone, make_product):
    product = make_product()
    answer = phone.post(
        "/orders",
        {"items": [{"product_id": product.id}], "address_id": 1, "shipping_address": ADDRESS},
    )
    assert answer.status_code == 422


def test_order_without_enough_coins_is_409_and_reserves_nothing(phone, member, make_product):
    product = make_product(coin_price=300, stock_quantity=5)
    give(member.id, 299)
    answer = phone.post(
        "/orders", {"items": [{"product_id": product.id}], "shipping_address": ADDRESS}
    )
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "insufficient_coins"
    db.session.expire_all()
    assert product.stock_quantity == 5


def test_order_over_stock_is_409_out_of_stock(phone, member, make_product):
    product = make_product(coin_price=10, stock_quantity=1)
    give(member.id, 1000)
    answer = phone.post(
        "/orders",
        {"items": [{"product_id": product.id, "quantity": 2}], "shipping_address": ADDRESS},
    )
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "out_of_stock"


def test_order_for_an_unknown_product_is_404(phone, member):
    answer = phone.post("/orders", {"items": [{"product_id": 999}], "shipping_address": ADDRESS})
    assert answer.status_code == 404


def test_another_members_order_is_404_to_read_and_to_cancel(
    phone, make_member, make_phone, make_product
):
    product = make_product(coin_price=100)
    other = make_member()
    give(other.id, 100)
    code = (
        make_phone(other)
        .post("/orders", {"items": [{"product_id": product.id}], "shipping_address": ADDRESS})
        .get_json()["order_code"]
    )
    assert phone.get(f"/orders/{code}").status_code == 404
    assert phone.post(f"/orders/{code}/cancel").status_code == 404
    assert phone.get("/orders").get_json()["items"] == []


def test_sync_then_wallet_and_me_agree(phone, member):
    phone.sync(record(steps=10_000))
    me = phone.get("/me").get_json()
    assert me["email"] == member.email
    assert me["wallet"] == phone.get("/wallet").get_json()
    assert me["wallet"]["available_coins"] == 100
