"""Admins see and edit a product's variants on its page; the packing list names them."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from app.extensions import db
from app.models.admin import AdminLog
from app.models.catalog import ProductVariant, RewardProduct
from app.orders import orders
from tests.admin.conftest import csrf_token
from tests.fixtures.variants import variant_named

ADDRESS = {"line1": "1 Main St", "city": "Lagos", "country": "NG"}


def edit_page(product_id: int) -> str:
    return f"/admin/products/{product_id}/edit"


def test_the_product_page_lists_each_variant_in_its_own_form(admin_client, make_variant_product):
    shirt = make_variant_product()

    page = admin_client.get(edit_page(shirt.id)).get_data(as_text=True)

    assert 'id="variants"' in page
    for variant in shirt.variants:
        assert f'action="/admin/products/{shirt.id}/variants/{variant.id}"' in page
        assert f'name="v{variant.id}-stock"' in page
    assert f'action="/admin/products/{shirt.id}/variants"' in page
    assert "Add an option" in page


def test_editing_a_variant_saves_it_updates_the_totals_and_is_audited(
    admin_client, make_variant_product
):
    shirt = make_variant_product()
    medium = variant_named(shirt, "M")
    prefix = f"v{medium.id}-"

    answer = admin_client.post(
        f"/admin/products/{shirt.id}/variants/{medium.id}",
        data={
            f"{prefix}csrf_token": csrf_token(admin_client, edit_page(shirt.id)),
            f"{prefix}title": "M",
            f"{prefix}sku": "SHIRT-M",
            f"{prefix}coin_price": "450",
            f"{prefix}stock": "6",
            f"{prefix}is_active": "y",
        },
    )

    assert answer.status_code == 302
    db.session.expire_all()
    assert (medium.coin_price, medium.stock, medium.price_set_by_admin) == (450, 6, True)
    product = db.session.get(RewardProduct, shirt.id)
    assert (product.coin_price, product.stock_quantity) == (450, 14)
    log = db.session.execute(select(AdminLog)).scalar_one()
    assert log.action == "product.variant_update"
    assert (log.before["stock"], log.after["stock"]) == (0, 6)


def test_a_bad_variant_value_is_shown_next_to_its_field(admin_client, make_variant_product):
    shirt = make_variant_product()
    small = variant_named(shirt, "S")
    prefix = f"v{small.id}-"

    answer = admin_client.post(
        f"/admin/products/{shirt.id}/variants/{small.id}",
        data={
            f"{prefix}csrf_token": csrf_token(admin_client, edit_page(shirt.id)),
            f"{prefix}title": "S",
            f"{prefix}coin_price": "0",
            f"{prefix}stock": "lots",
            f"{prefix}is_active": "y",
        },
    )

    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert f'id="{prefix}coin_price-error"' in page
    assert f'id="{prefix}stock-error"' in page
    assert 'value="lots"' in page
    db.session.expire_all()
    assert (small.coin_price, small.stock) == (500, 3)


def test_adding_a_variant_to_a_plain_product_makes_it_a_choice(admin_client, make_product):
    bottle = make_product("Bottle", coin_price=900, stock_quantity=4)

    answer = admin_client.post(
        f"/admin/products/{bottle.id}/variants",
        data={
            "new-csrf_token": csrf_token(admin_client, edit_page(bottle.id)),
            "new-title": "Blue",
            "new-coin_price": "800",
            "new-stock": "2",
        },
    )

    assert answer.status_code == 302
    [blue] = db.session.execute(select(ProductVariant)).scalars()
    assert (blue.title, blue.coin_price, blue.stock, blue.is_active) == ("Blue", 800, 2, True)
    db.session.expire_all()
    product = db.session.get(RewardProduct, bottle.id)
    assert (product.has_variants, product.coin_price, product.stock_quantity) == (True, 800, 2)
    assert db.session.execute(select(AdminLog.action)).scalar_one() == "product.variant_add"


def test_a_variant_of_another_product_is_refused(admin_client, make_variant_product):
    shirt = make_variant_product()
    cap = make_variant_product("Cap")
    other = variant_named(cap, "S")
    prefix = f"v{other.id}-"

    answer = admin_client.post(
        f"/admin/products/{shirt.id}/variants/{other.id}",
        data={
            f"{prefix}csrf_token": csrf_token(admin_client, edit_page(shirt.id)),
            f"{prefix}title": "S",
            f"{prefix}coin_price": "1",
            f"{prefix}stock": "1",
        },
    )

    # The admin console's way with a refused POST: back to the page, with the message.
    assert answer.status_code == 302
    db.session.expire_all()
    assert (other.coin_price, other.stock) == (500, 3)
    assert db.session.execute(select(AdminLog)).first() is None


def test_the_packing_list_and_order_page_name_the_variant(
    admin_client, member, make_variant_product
):
    from tests.orders.test_orders import give

    give(member.id, 2000)
    shirt = make_variant_product()
    large = variant_named(shirt, "L")
    order = orders.place_order(member.id, [(shirt.id, 1, large.id)], shipping_address=ADDRESS)
    orders.change_status(order.order_code, "processing", admin_id=None)

    answer = admin_client.get("/admin/orders/packing-list.csv")
    detail = admin_client.get(f"/admin/orders/{order.order_code}").get_data(as_text=True)

    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert [(r["product"], r["variant"], r["sku"], r["quantity"]) for r in rows] == [
        ("Run Shirt", "L", "SHIRT-L", "1")
    ]
    assert "SKU SHIRT-L" in detail
