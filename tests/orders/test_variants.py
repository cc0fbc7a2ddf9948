"""Rewards with variants: the chosen size is in the cart and on the order line, its own
price is paid, and its own stock is reserved and restored (race-safely)."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import select

from app.catalog import variants
from app.core.errors import OutOfStock, ValidationFailed
from app.extensions import db
from app.models.catalog import ProductVariant, RewardProduct
from app.models.orders import Order
from app.models.users import UserAddress
from app.orders import cart, orders
from tests.fixtures.variants import variant_named
from tests.orders.test_orders import add_address, assert_books_balance, balances, give


@pytest.fixture
def shirt(make_variant_product) -> RewardProduct:
    return make_variant_product()  # S: 500 coins, 3 left; M: 600, none; L: 700, 5 left


@pytest.fixture
def shopper(member):
    give(member.id, 5000)
    add_address(member.id)
    return member


def stock(variant_id: int) -> tuple[int, int]:
    """(the variant's stock, its product's total)."""
    db.session.expire_all()
    variant = db.session.get(ProductVariant, variant_id)
    return variant.stock, variant.product.stock_quantity


def test_a_product_with_variants_shows_the_sum_of_their_stock_and_the_lowest_price(shirt):
    assert (shirt.stock_quantity, shirt.coin_price) == (8, 500)
    assert [v.title for v in shirt.active_variants] == ["S", "M", "L"]


def test_ordering_a_variant_charges_its_price_and_reserves_its_stock(shopper, shirt):
    large = variant_named(shirt, "L")

    order = orders.place_order(shopper.id, [(shirt.id, 2, large.id)])

    [item] = order.items
    assert (item.variant_id, item.coin_price_at_purchase, order.total_coins) == (
        large.id,
        700,
        1400,
    )
    assert item.product_snapshot["variant"] == "L"
    assert item.product_snapshot["sku"] == "SHIRT-L"
    assert stock(large.id) == (3, 6)
    assert stock(variant_named(shirt, "S").id)[0] == 3
    assert balances(shopper.id)[:2] == (3600, 1400)


def test_two_variants_of_one_product_are_two_order_lines(shopper, shirt):
    small, large = variant_named(shirt, "S"), variant_named(shirt, "L")

    order = orders.place_order(shopper.id, [(shirt.id, 1, small.id), (shirt.id, 1, large.id)])

    assert sorted(i.variant_id for i in order.items) == sorted([small.id, large.id])
    assert order.total_coins == 1200


def test_a_product_with_variants_cannot_be_ordered_without_choosing_one(shopper, shirt):
    with pytest.raises(ValidationFailed) as raised:
        orders.place_order(shopper.id, [(shirt.id, 1)])

    assert raised.value.details == [{"field": "variant_id", "product_id": shirt.id}]
    assert stock(variant_named(shirt, "S").id) == (3, 8)


def test_a_variant_of_another_product_or_inactive_is_refused(shopper, shirt, make_variant_product):
    other = make_variant_product("Cap", [("One", 100, 4), ("Two", 100, 4)])
    gone = variant_named(shirt, "S")
    gone.is_active = False
    db.session.commit()

    for wrong in (variant_named(other, "One").id, gone.id, 987_654):
        with pytest.raises(ValidationFailed, match="not available"):
            orders.place_order(shopper.id, [(shirt.id, 1, wrong)])
    assert db.session.execute(select(Order)).first() is None


def test_a_variant_is_refused_for_a_product_without_variants(shopper, shirt, make_product):
    bottle = make_product("Bottle", coin_price=100, stock_quantity=5)

    with pytest.raises(ValidationFailed, match="no choices"):
        orders.place_order(shopper.id, [(bottle.id, 1, variant_named(shirt, "S").id)])


def test_more_than_the_variant_has_is_out_of_stock_and_changes_nothing(shopper, shirt):
    small = variant_named(shirt, "S")

    with pytest.raises(OutOfStock, match="Only 3 of “Run Shirt” in that option left"):
        orders.place_order(shopper.id, [(shirt.id, 4, small.id)])

    assert stock(small.id) == (3, 8)
    assert balances(shopper.id)[:2] == (5000, 0)


def test_cancelling_puts_the_units_back_on_the_variant(shopper, shirt):
    large = variant_named(shirt, "L")
    order = orders.place_order(shopper.id, [(shirt.id, 2, large.id)])

    orders.cancel_by_member(shopper.id, order.order_code)

    assert stock(large.id) == (5, 8)
    assert balances(shopper.id)[:2] == (5000, 0)
    assert_books_balance(shopper.id)


def test_concurrent_checkouts_of_one_variant_never_sell_more_than_its_stock(
    app: Flask, make_member, shirt
):
    shirt_id, small_id = shirt.id, variant_named(shirt, "S").id  # 3 in stock
    buyers = []
    for _ in range(8):
        buyer = make_member()
        give(buyer.id, 1000)
        add_address(buyer.id)
        buyers.append(buyer.id)
    outcomes: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(buyers))

    def checkout(user_id: int) -> None:
        try:
            with app.app_context():
                start.wait()
                try:
                    orders.place_order(user_id, [(shirt_id, 1, small_id)])
                    outcomes.append("ordered")
                except OutOfStock:
                    outcomes.append("out of stock")
                db.session.remove()
        except BaseException as exc:  # re-raised by the assertion below
            errors.append(exc)

    db.session.rollback()
    threads = [threading.Thread(target=checkout, args=(uid,)) for uid in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sorted(outcomes) == ["ordered"] * 3 + ["out of stock"] * 5
    assert stock(small_id) == (0, 5)
    assert_books_balance(*buyers)


def test_concurrent_orders_of_overlapping_variants_never_deadlock_and_keep_the_totals(
    app: Flask, make_member, make_variant_product
):
    shirt = make_variant_product("Tee", [("S", 100, 20), ("L", 100, 20)])
    shirt_id = shirt.id
    small_id, large_id = variant_named(shirt, "S").id, variant_named(shirt, "L").id
    buyers = []
    for _ in range(8):
        buyer = make_member()
        give(buyer.id, 1000)
        add_address(buyer.id)
        buyers.append(buyer.id)
    errors: list[BaseException] = []
    start = threading.Barrier(len(buyers))

    def checkout(index: int, user_id: int) -> None:
        # Half order both sizes (S then L), half only L: the rows they lock overlap.
        lines = [(shirt_id, 1, small_id), (shirt_id, 1, large_id)] if index % 2 else []
        lines = lines or [(shirt_id, 2, large_id)]
        try:
            with app.app_context():
                start.wait()
                orders.place_order(user_id, lines)
                db.session.remove()
        except BaseException as exc:  # re-raised by the assertion below
            errors.append(exc)

    db.session.rollback()
    threads = [threading.Thread(target=checkout, args=(i, uid)) for i, uid in enumerate(buyers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert stock(small_id) == (16, 24)  # 4 buyers took one S; the total follows both sizes
    assert stock(large_id)[0] == 8  # 4 x 1 + 4 x 2 L
    assert_books_balance(*buyers)


# --- the cart ----------------------------------------------------------------------------


def test_the_cart_keeps_one_line_per_variant_with_its_price(shopper, shirt):
    small, large = variant_named(shirt, "S"), variant_named(shirt, "L")

    cart.add(shopper.id, shirt.id, 1, variant_id=small.id)
    cart.add(shopper.id, shirt.id, 2, variant_id=large.id)
    cart.add(shopper.id, shirt.id, 1, variant_id=small.id)

    lines = cart.get(shopper.id).lines
    assert [(line.variant.title, line.quantity, line.subtotal) for line in lines] == [
        ("S", 2, 1000),
        ("L", 2, 1400),
    ]
    assert cart.get(shopper.id).total == 2400


def test_adding_a_product_with_variants_needs_an_in_stock_variant(shopper, shirt):
    with pytest.raises(ValidationFailed, match="Choose an option"):
        cart.add(shopper.id, shirt.id, 1)
    with pytest.raises(ValidationFailed, match="not available"):
        cart.add(shopper.id, shirt.id, 1, variant_id=987_654)
    with pytest.raises(OutOfStock, match="out of stock"):
        cart.add(shopper.id, shirt.id, 1, variant_id=variant_named(shirt, "M").id)
    assert cart.get(shopper.id).is_empty


def test_changing_and_removing_a_variant_line_leaves_the_other_variant(shopper, shirt):
    small, large = variant_named(shirt, "S"), variant_named(shirt, "L")
    cart.add(shopper.id, shirt.id, 1, variant_id=small.id)
    cart.add(shopper.id, shirt.id, 1, variant_id=large.id)

    cart.set_quantity(shopper.id, shirt.id, 3, variant_id=large.id)
    cart.remove(shopper.id, shirt.id, variant_id=small.id)

    assert [(line.variant_id, line.quantity) for line in cart.get(shopper.id).lines] == [
        (large.id, 3)
    ]


def test_checkout_carries_the_variants_onto_the_order(shopper, shirt, make_product):
    large = variant_named(shirt, "L")
    bottle = make_product("Bottle", coin_price=100, stock_quantity=5)
    cart.add(shopper.id, shirt.id, 1, variant_id=large.id)
    cart.add(shopper.id, bottle.id, 2)

    order = cart.checkout(shopper.id, address_id=_default_address(shopper.id))

    by_product = {item.product_id: item for item in order.items}
    assert by_product[shirt.id].variant_id == large.id
    assert by_product[bottle.id].variant_id is None
    assert order.total_coins == 900
    assert stock(large.id) == (4, 7)
    assert cart.get(shopper.id).is_empty


def test_a_cart_line_whose_variant_was_withdrawn_says_so(shopper, shirt):
    small = variant_named(shirt, "S")
    cart.add(shopper.id, shirt.id, 1, variant_id=small.id)
    small.is_active = False
    db.session.commit()

    [line] = cart.get(shopper.id).lines
    assert "no longer available" in line.problem


def test_the_product_totals_follow_an_admin_edit_of_a_variant(app, shirt, admin):
    medium = variant_named(shirt, "M")

    changed = variants.update_variant(
        shirt.id,
        medium.id,
        {"title": "M", "sku": "SHIRT-M", "coin_price": "450", "stock": "4", "is_active": "y"},
        admin_id=admin.id,
    )

    assert changed == ["coin_price", "stock"]
    db.session.expire_all()
    product = db.session.get(RewardProduct, shirt.id)
    assert (product.stock_quantity, product.coin_price) == (12, 450)
    assert db.session.get(ProductVariant, medium.id).price_set_by_admin


def _default_address(user_id: int) -> int:
    return db.session.execute(
        select(UserAddress.id).where(UserAddress.user_id == user_id)
    ).scalar_one()
