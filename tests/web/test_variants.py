"""Choosing a variant on the reward page (no JavaScript needed), in the cart, on the order."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models.cart import CartItem
from app.models.orders import Order
from tests.fixtures.variants import variant_named

ADDRESS = {"line1": "1 Main Street", "city": "Berlin", "country": "de"}


def test_the_reward_page_offers_the_variants_with_price_and_stock(signed_in, make_variant_product):
    shirt = make_variant_product()

    page = signed_in.get(f"/rewards/{shirt.id}").text

    assert '<span class="price-from">from</span>' in page
    assert "Choose size" in page
    for variant in shirt.variants:
        assert f'name="variant_id" value="{variant.id}"' in page
    medium = variant_named(shirt, "M")
    assert f'value="{medium.id}" required\n                     disabled' in page
    assert "sold out" in page


def test_adding_without_a_variant_shows_the_error_next_to_the_choices(
    signed_in, make_variant_product
):
    shirt = make_variant_product()

    answer = signed_in.post(f"/cart/add/{shirt.id}", {"quantity": "1"})

    assert answer.status_code == 422
    assert 'id="variant-error"' in answer.text
    assert "Choose an option of “Run Shirt”" in answer.text
    assert db.session.execute(select(CartItem)).first() is None


def test_a_sold_out_variant_is_refused_with_the_choice_kept(signed_in, make_variant_product):
    shirt = make_variant_product()
    medium = variant_named(shirt, "M")

    answer = signed_in.post(f"/cart/add/{shirt.id}", {"variant_id": str(medium.id)})

    assert answer.status_code == 409
    assert "out of stock" in answer.text


def test_a_garbage_variant_id_is_a_form_error_not_a_500(signed_in, make_variant_product):
    shirt = make_variant_product()

    answer = signed_in.post(f"/cart/add/{shirt.id}", {"variant_id": "99999999999999999999"})

    assert answer.status_code == 422
    assert "not available" in answer.text


def test_the_chosen_variant_goes_to_the_cart_checkout_and_order_page(
    signed_in, make_variant_product, fund
):
    fund(signed_in.user, 3000)
    shirt = make_variant_product()
    small, large = variant_named(shirt, "S"), variant_named(shirt, "L")
    signed_in.post(f"/cart/add/{shirt.id}", {"variant_id": str(large.id), "quantity": "1"})
    signed_in.post(f"/cart/add/{shirt.id}", {"variant_id": str(small.id), "quantity": "1"})

    page = signed_in.get("/cart").text
    assert '<small class="cart-variant">L</small>' in page
    assert '<small class="cart-variant">S</small>' in page
    assert "Quantity of Run Shirt (L)" in page

    signed_in.post(f"/cart/{shirt.id}/quantity", {"variant_id": str(large.id), "quantity": "2"})
    signed_in.post(f"/cart/{shirt.id}/remove", {"variant_id": str(small.id)})
    assert "Run Shirt (L)" in signed_in.get("/checkout").text

    answer = signed_in.post("/checkout", {"address_id": "new", **ADDRESS})

    assert answer.status_code == 302
    order = db.session.execute(select(Order)).scalar_one()
    assert order.total_coins == 1400
    assert [(i.variant_id, i.quantity) for i in order.items] == [(large.id, 2)]
    detail = signed_in.get(f"/orders/{order.order_code}").text
    assert '<small class="order-variant">L</small>' in detail


def test_a_product_without_variants_still_adds_as_before(signed_in, make_product):
    bottle = make_product("Bottle", coin_price=100)

    page = signed_in.get(f"/rewards/{bottle.id}").text
    answer = signed_in.post(f"/cart/add/{bottle.id}", {"quantity": "2"})

    assert 'name="variant_id"' not in page
    assert answer.status_code == 302
    assert db.session.execute(select(CartItem.quantity, CartItem.variant_id)).one() == (2, None)


def test_the_catalogue_sends_a_product_with_variants_to_its_page_to_choose(
    signed_in, make_variant_product, make_product
):
    shirt = make_variant_product()
    bottle = make_product("Bottle", coin_price=100)

    page = signed_in.get("/rewards").text

    assert f'<a href="/rewards/{shirt.id}" role="button" class="small outline">Choose' in page
    assert f'action="/cart/add/{shirt.id}"' not in page
    assert f'action="/cart/add/{bottle.id}"' in page
