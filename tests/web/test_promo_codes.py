"""Promo codes on the member pages: redeem on the wallet page, apply at checkout, the
order e-mail switch in /settings."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models.orders import Order
from app.models.users import User, UserAddress
from app.orders import promo_codes

HOME = {"recipient_name": "Mia Member", "line1": "1 Main Street", "city": "Berlin", "country": "DE"}


def test_redeeming_a_coin_code_on_the_wallet_page_adds_the_coins_and_shows_the_code(
    app, admin, signed_in
):
    promo_codes.create_code({"code": "WALK250", "kind": "coins", "value": 250}, admin_id=admin.id)

    answer = signed_in.post("/wallet/promo-code", {"code": "walk250"})

    assert answer.status_code == 302
    page = signed_in.get("/wallet").text
    assert "250 coins are in your wallet" in page
    assert "Promo code WALK250" in page


def test_a_refused_code_comes_back_next_to_the_field_with_a_422(app, admin, signed_in):
    promo_codes.create_code(
        {"code": "ONCE", "kind": "coins", "value": 10, "max_uses": 1}, admin_id=admin.id
    )
    assert signed_in.post("/wallet/promo-code", {"code": "ONCE"}).status_code == 302

    again = signed_in.post("/wallet/promo-code", {"code": "ONCE"})
    unknown = signed_in.post("/wallet/promo-code", {"code": "NOPE"})
    empty = signed_in.post("/wallet/promo-code", {"code": "  "})

    assert again.status_code == unknown.status_code == empty.status_code == 422
    assert 'id="promo-code-error"' in again.text and "used this code already" in again.text
    assert "no such promo code" in unknown.text
    assert 'value="NOPE"' in unknown.text
    assert "Type the promo code." in empty.text


def test_the_wallet_form_needs_the_csrf_token(app, signed_in):
    answer = signed_in.client.post("/wallet/promo-code", data={"code": "X"})

    assert answer.status_code == 400


def _ready_to_check_out(signed_in, fund, make_product, coins: int = 1000) -> int:
    fund(signed_in.user, coins)
    db.session.add(UserAddress(user_id=signed_in.user.id, is_default=True, **HOME))
    db.session.commit()
    product = make_product("Bottle", coin_price=400)
    signed_in.post(f"/cart/add/{product.id}", {"quantity": "2"})
    return product.id


def test_applying_a_discount_code_at_checkout_shows_the_new_total_and_ordering_freezes_it(
    app, admin, signed_in, fund, make_product
):
    promo_codes.create_code({"code": "TENOFF", "kind": "percent", "value": 10}, admin_id=admin.id)
    _ready_to_check_out(signed_in, fund, make_product)
    address_id = str(db.session.execute(select(UserAddress.id)).scalar_one())

    preview = signed_in.post(
        "/checkout", {"address_id": address_id, "promo_code": "tenoff", "action": "apply_code"}
    )
    assert preview.status_code == 200
    assert "Promo code TENOFF" in preview.text and "Place order · 720 coins" in preview.text
    assert db.session.execute(select(Order)).first() is None

    placed = signed_in.post("/checkout", {"address_id": address_id, "promo_code": "tenoff"})

    assert placed.status_code == 302
    order = db.session.execute(select(Order)).scalar_one()
    assert order.total_coins == 720
    page = signed_in.get(f"/orders/{order.order_code}").text
    assert "Promo code TENOFF" in page and "\u221280" in page


def test_a_bad_code_at_checkout_is_shown_next_to_the_field_and_nothing_is_ordered(
    app, admin, signed_in, fund, make_product
):
    promo_codes.create_code(
        {"code": "BIG", "kind": "fixed", "value": 50, "min_order_coins": 5000}, admin_id=admin.id
    )
    _ready_to_check_out(signed_in, fund, make_product)
    address_id = str(db.session.execute(select(UserAddress.id)).scalar_one())

    answer = signed_in.post("/checkout", {"address_id": address_id, "promo_code": "BIG"})

    assert answer.status_code == 422
    assert 'id="promo_code-error"' in answer.text
    assert "at least 5,000 coins" in answer.text
    assert db.session.execute(select(Order)).first() is None


def test_order_emails_can_be_turned_off_and_on_in_settings(app, signed_in):
    page = signed_in.get("/settings").text
    assert 'id="emails"' in page and 'name="order_emails"' in page

    off = signed_in.post("/settings/emails", {})
    assert off.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, signed_in.user.id).order_emails is False

    signed_in.post("/settings/emails", {"order_emails": "y"})
    db.session.expire_all()
    assert db.session.get(User, signed_in.user.id).order_emails is True
