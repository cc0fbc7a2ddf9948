"""Rewards: catalogue search, product page, cart across sessions, checkout."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts import profile
from app.extensions import db
from app.models.cart import CartItem
from app.models.catalog import RewardProduct
from app.models.orders import Order
from app.models.users import UserAddress
from app.models.wallet import Wallet
from app.orders import cart

ADDRESS = {
    "recipient_name": "Mia Member",
    "line1": "1 Main Street",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "de",
}


def wallet_of(user) -> Wallet:
    return db.session.execute(
        select(Wallet).where(Wallet.user_id == user.id).execution_options(populate_existing=True)
    ).scalar_one()


def cart_rows(user) -> list[tuple[int, int]]:
    return db.session.execute(
        select(CartItem.product_id, CartItem.quantity).where(CartItem.user_id == user.id)
    ).all()


# --- catalogue ----------------------------------------------------------------------------------


def test_catalogue_lists_active_products_with_prices(signed_in, make_product):
    make_product("Water Bottle", coin_price=800)
    make_product("Hidden Thing", is_active=False)
    make_product("Sold Out Socks", stock_quantity=0)

    page = signed_in.get("/rewards").text

    assert "Water Bottle" in page and "800" in page
    assert "Hidden Thing" not in page
    assert "Out of stock" in page
    assert "more coins needed" in page


def test_search_as_you_type_returns_just_the_results_for_htmx(signed_in, make_product):
    make_product("Water Bottle", category="Gear")
    make_product("Yoga Mat", category="Gear")
    page = signed_in.get("/rewards").text
    assert 'hx-trigger="input changed delay:300ms' in page

    answer = signed_in.htmx_get("/rewards?q=bott")

    assert answer.text.lstrip().startswith('<section id="results"')
    assert "Water Bottle" in answer.text and "Yoga Mat" not in answer.text
    assert "HX-Request" in answer.headers["Vary"]


def test_category_filter_and_empty_results(signed_in, make_product):
    make_product("Earbuds", category="Electronics")
    make_product("Yoga Mat", category="Gear")

    gear = signed_in.get("/rewards?category=Gear").text
    assert "Yoga Mat" in gear and "Earbuds" not in gear

    nothing = signed_in.get("/rewards?q=zeppelin").text
    assert "Nothing matches" in nothing and "Show all rewards" in nothing


def test_product_page_and_an_inactive_product_is_404(signed_in, make_product):
    bottle = make_product("Water Bottle", coin_price=800)
    hidden = make_product("Hidden", is_active=False)

    page = signed_in.get(f"/rewards/{bottle.id}").text
    assert "Water Bottle" in page and "Redeem now" in page

    assert signed_in.get(f"/rewards/{hidden.id}").status_code == 404
    assert signed_in.get("/rewards/999999").status_code == 404


# --- cart --------------------------------------------------------------------------------------


def test_add_to_cart_without_javascript_redirects_with_a_message(signed_in, make_product):
    bottle = make_product("Water Bottle")

    answer = signed_in.post(f"/cart/add/{bottle.id}", {"quantity": "2", "back": "/rewards"})

    assert answer.headers["Location"] == "/rewards"
    assert cart_rows(signed_in.user) == [(bottle.id, 2)]
    assert "is in your cart (2)" in signed_in.get("/rewards").text


def test_add_to_cart_by_htmx_answers_in_place_and_refreshes_the_header(signed_in, make_product):
    bottle = make_product("Water Bottle")

    answer = signed_in.htmx_post(f"/cart/add/{bottle.id}", {"quantity": "1"})
    again = signed_in.htmx_post(f"/cart/add/{bottle.id}", {"quantity": "1"})

    assert answer.status_code == again.status_code == 200
    assert answer.headers["HX-Trigger"] == "cart-changed"
    assert "2 in your cart" in again.text
    assert cart_rows(signed_in.user) == [(bottle.id, 2)]


def test_redeem_now_goes_straight_to_checkout(signed_in, make_product):
    bottle = make_product("Water Bottle")
    answer = signed_in.post(f"/cart/add/{bottle.id}", {"quantity": "1", "then": "checkout"})
    assert answer.headers["Location"] == "/checkout"


def test_the_cart_is_kept_across_sessions(signed_in, sign_in, make_product):
    bottle = make_product("Water Bottle")
    signed_in.post(f"/cart/add/{bottle.id}", {"quantity": "3"})
    signed_in.post("/logout")

    later = sign_in(signed_in.user)
    page = later.get("/cart").text

    assert "Water Bottle" in page
    assert 'value="3" selected' in page


def test_change_quantity_and_remove(signed_in, make_product):
    bottle = make_product("Water Bottle", coin_price=100)
    socks = make_product("Socks", coin_price=50)
    signed_in.post(f"/cart/add/{bottle.id}")
    signed_in.post(f"/cart/add/{socks.id}")

    changed = signed_in.htmx_post(f"/cart/{bottle.id}/quantity", {"quantity": "4"})
    assert changed.text.lstrip().startswith('<section id="cart-body">')
    assert "450" in changed.text  # 4 bottles at 100 and one pair of socks at 50

    signed_in.post(f"/cart/{socks.id}/remove")
    assert cart_rows(signed_in.user) == [(bottle.id, 4)]

    too_many = signed_in.post(f"/cart/{bottle.id}/quantity", {"quantity": "11"})
    assert too_many.status_code == 422
    assert "At most 10" in too_many.text


def test_an_empty_cart_points_to_the_rewards(signed_in):
    page = signed_in.get("/cart").text
    assert "Your cart is empty" in page and 'href="/rewards"' in page
    assert signed_in.get("/checkout").headers["Location"] == "/rewards"


def test_cart_warns_when_coins_are_short(signed_in, make_product, fund):
    fund(signed_in.user, 100)
    bottle = make_product("Water Bottle", coin_price=800)
    signed_in.post(f"/cart/add/{bottle.id}")

    page = signed_in.get("/cart").text

    assert "you need 700 more" in page
    assert '<button type="button" disabled>Checkout</button>' in page


# --- checkout ----------------------------------------------------------------------------------


def test_checkout_with_a_saved_address_places_the_order_and_empties_the_cart(
    signed_in, make_product, fund
):
    user = signed_in.user
    fund(user, 2000)
    address = profile.add_address(user.id, ADDRESS)
    bottle = make_product("Water Bottle", coin_price=800, stock_quantity=5)
    signed_in.post(f"/cart/add/{bottle.id}", {"quantity": "2"})

    form = signed_in.get("/checkout").text
    assert f'value="{address.id}" checked' in form

    answer = signed_in.post("/checkout", {"address_id": str(address.id)})

    order = db.session.execute(select(Order)).scalar_one()
    assert answer.headers["Location"] == f"/orders/{order.order_code}"
    assert order.total_coins == 1600 and order.address_id == address.id
    assert (wallet_of(user).available_coins, wallet_of(user).frozen_coins) == (400, 1600)
    assert db.session.get(RewardProduct, bottle.id).stock_quantity == 3
    assert cart_rows(user) == []
    detail = signed_in.get(answer.headers["Location"]).text
    assert "1,600 coins are held" in detail


def test_checkout_with_a_new_address_can_save_it(signed_in, make_product, fund):
    fund(signed_in.user, 1000)
    bottle = make_product("Water Bottle", coin_price=800)
    signed_in.post(f"/cart/add/{bottle.id}")

    answer = signed_in.post("/checkout", {"address_id": "new", "save_address": "y", **ADDRESS})

    assert answer.status_code == 302
    saved = db.session.execute(select(UserAddress)).scalar_one()
    assert (saved.city, saved.country, saved.is_default) == ("Berlin", "DE", True)
    order = db.session.execute(select(Order)).scalar_one()
    assert order.shipping_address["line1"] == "1 Main Street"


def test_checkout_address_mistakes_are_inline_and_keep_what_was_typed(
    signed_in, make_product, fund
):
    fund(signed_in.user, 1000)
    bottle = make_product("Water Bottle", coin_price=800)
    signed_in.post(f"/cart/add/{bottle.id}")

    answer = signed_in.post(
        "/checkout", {"address_id": "new", "line1": "1 Main Street", "country": "Germany"}
    )

    assert answer.status_code == 422
    assert 'value="1 Main Street"' in answer.text
    assert "This is required." in answer.text  # city
    assert "two-letter country code" in answer.text
    assert db.session.execute(select(func.count()).select_from(Order)).scalar_one() == 0
    assert cart_rows(signed_in.user) == [(bottle.id, 1)]


def test_checkout_without_enough_coins_says_so_and_changes_nothing(signed_in, make_product, fund):
    fund(signed_in.user, 100)
    profile.add_address(signed_in.user.id, ADDRESS)
    bottle = make_product("Water Bottle", coin_price=800, stock_quantity=5)
    signed_in.post(f"/cart/add/{bottle.id}")

    answer = signed_in.post("/checkout", {})

    assert answer.status_code == 409
    assert "Not enough coins: this order needs 800 and you have 100." in answer.text
    assert db.session.get(RewardProduct, bottle.id).stock_quantity == 5
    assert wallet_of(signed_in.user).available_coins == 100
    assert cart_rows(signed_in.user) == [(bottle.id, 1)]


def test_checkout_when_stock_ran_out_says_so(signed_in, make_product, fund):
    fund(signed_in.user, 5000)
    profile.add_address(signed_in.user.id, ADDRESS)
    bottle = make_product("Water Bottle", coin_price=100, stock_quantity=5)
    cart.add(signed_in.user.id, bottle.id, 3)
    bottle.stock_quantity = 1
    db.session.commit()

    page = signed_in.get("/cart").text
    assert "Only 1 left: lower the quantity." in page

    answer = signed_in.post("/checkout", {})

    assert answer.status_code == 409
    assert "Only 1 of" in answer.text and "Water Bottle" in answer.text
    assert wallet_of(signed_in.user).frozen_coins == 0


def test_someone_elses_address_cannot_be_used(signed_in, make_member, make_product, fund):
    other = make_member()
    theirs = profile.add_address(other.id, ADDRESS)
    fund(signed_in.user, 1000)
    bottle = make_product("Water Bottle", coin_price=100)
    signed_in.post(f"/cart/add/{bottle.id}")

    answer = signed_in.post("/checkout", {"address_id": str(theirs.id)})

    assert answer.status_code == 404
    assert db.session.execute(select(func.count()).select_from(Order)).scalar_one() == 0
