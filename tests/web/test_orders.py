"""Orders: the list, one order's timeline, cancelling; never someone else's."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts import profile
from app.extensions import db
from app.models.wallet import Wallet
from app.orders import orders
from tests.web.test_rewards import ADDRESS


@pytest.fixture
def placed(signed_in, make_product, fund):
    user = signed_in.user
    fund(user, 1000)
    address = profile.add_address(user.id, ADDRESS)
    bottle = make_product("Water Bottle", coin_price=600, stock_quantity=3)
    return orders.place_order(user.id, [(bottle.id, 1)], address_id=address.id)


def balances(user) -> tuple[int, int]:
    wallet = db.session.execute(
        select(Wallet).where(Wallet.user_id == user.id).execution_options(populate_existing=True)
    ).scalar_one()
    return wallet.available_coins, wallet.frozen_coins


def test_orders_list_and_empty_state(signed_in, sign_in, make_member, placed):
    page = signed_in.get("/orders").text
    assert placed.order_code in page and "Water Bottle" in page and "Placed" in page

    newcomer = sign_in(make_member())
    assert "No orders yet" in newcomer.get("/orders").text


def test_order_page_shows_the_timeline_items_and_address(signed_in, placed):
    orders.change_status(placed.order_code, "processing", admin_id=None)
    orders.change_status(placed.order_code, "shipped", admin_id=None, tracking_number="DHL123")

    page = signed_in.get(f"/orders/{placed.order_code}").text

    assert "Being packed" in page and "Shipped" in page and "Tracking number DHL123" in page
    assert "1 Main Street" in page and "Berlin" in page
    assert "Cancel this order" not in page


def test_another_members_order_is_not_found(placed, make_member, sign_in):
    stranger = sign_in(make_member())

    assert stranger.get(f"/orders/{placed.order_code}").status_code == 404
    cancel = stranger.post(f"/orders/{placed.order_code}/cancel")
    assert cancel.status_code == 404
    assert orders.member_order(placed.user_id, placed.order_code).status == "pending"


def test_cancel_gives_the_coins_back(signed_in, placed):
    assert balances(signed_in.user) == (400, 600)

    answer = signed_in.post(f"/orders/{placed.order_code}/cancel")

    assert answer.headers["Location"] == f"/orders/{placed.order_code}"
    # htmx reads no headers of a redirect: the page it lands on draws the new balance.
    assert "HX-Trigger" not in answer.headers
    assert balances(signed_in.user) == (1000, 0)
    page = signed_in.get(answer.headers["Location"]).text
    assert "600 coins are back in your wallet" in page
    assert '<span>1,000</span><span class="visually-hidden"> coins available' in page
    assert "Cancelled" in page


def test_a_shipped_order_can_no_longer_be_cancelled(signed_in, placed):
    orders.change_status(placed.order_code, "processing", admin_id=None)
    orders.change_status(placed.order_code, "shipped", admin_id=None, tracking_number="X1")

    answer = signed_in.post(f"/orders/{placed.order_code}/cancel")

    assert answer.status_code == 409
    assert "can no longer be cancelled" in answer.text
    assert balances(signed_in.user) == (400, 0)
