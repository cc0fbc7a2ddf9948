"""Rewards with variants in Chromium at phone size: a member picks a size and orders it
(with and without JavaScript); an admin edits a size's stock on the product page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.coins import ledger
from app.core.db import transaction
from app.extensions import db
from app.models.catalog import ProductVariant
from app.models.orders import Order
from tests.browser.conftest import PHONE, sign_in_admin
from tests.fixtures.sign_in import sign_in_page
from tests.fixtures.variants import variant_named

PHONE_390 = {"width": 390, "height": 844}
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


def fits(page: Page) -> None:
    assert page.evaluate(OVERFLOW) <= 0, f"{page.url} is wider than the phone"


@pytest.fixture
def no_js_page(browser, live_server):
    """A phone tab with JavaScript off: the forms alone must do the job."""
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE_390, java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def fund(member, admin, coins: int) -> None:
    with transaction():
        ledger.adjust_by_admin(member.id, coins, "gift", admin_id=admin.id)


@pytest.mark.parametrize("viewport", [PHONE_390, PHONE], ids=["390px", "360px"])
def test_a_member_chooses_a_size_and_orders_it_without_javascript(
    no_js_page: Page, viewport, member, admin, make_variant_product
):
    page = no_js_page
    page.set_viewport_size(viewport)
    fund(member, admin, 3000)
    shirt = make_variant_product()
    sign_in_page(page, member.email)

    page.goto(f"/rewards/{shirt.id}")
    fits(page)
    choices = page.get_by_role("group", name="Choose size")
    expect(choices.get_by_role("radio")).to_have_count(3)
    expect(choices.get_by_role("radio", name=re.compile(r"^M\b"))).to_be_disabled()
    choices.get_by_role("radio", name=re.compile(r"^L\b")).check()
    page.get_by_label("Quantity").select_option("2")
    page.get_by_role("button", name="Redeem now").click()

    expect(page).to_have_url(re.compile(r"/checkout$"))
    fits(page)
    expect(page.get_by_text(re.compile(r"2 . Run Shirt \(L\)"))).to_be_visible()
    page.get_by_label("Address line 1").fill("1 Main Street")
    page.get_by_label("City", exact=True).fill("Berlin")
    page.get_by_label("Country code").fill("DE")
    page.get_by_role("button", name=re.compile("Place order")).click()

    expect(page).to_have_url(re.compile(r"/orders/FK-"))
    fits(page)
    expect(page.locator(".order-variant")).to_have_text("L")
    db.session.expire_all()
    order = db.session.query(Order).one()
    assert (order.total_coins, order.items[0].variant_id) == (1400, variant_named(shirt, "L").id)
    assert db.session.get(ProductVariant, variant_named(shirt, "L").id).stock == 3


def test_the_cart_shows_each_size_on_a_phone_with_javascript(
    page: Page, member, admin, make_variant_product
):
    page.set_viewport_size(PHONE)
    fund(member, admin, 3000)
    shirt = make_variant_product()
    sign_in_page(page, member.email)

    page.goto(f"/rewards/{shirt.id}")
    fits(page)
    page.get_by_role("radio", name=re.compile(r"^S\b")).check()
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#added")).to_contain_text("1 in your cart")

    page.goto("/cart")
    fits(page)
    expect(page.locator(".cart-variant")).to_have_text("S")
    page.get_by_label("Quantity of Run Shirt (S)").select_option("3")
    expect(page.locator(".cart-subtotal")).to_have_text("1,500")


def test_an_admin_edits_a_sizes_stock_on_a_phone(page: Page, admin, make_variant_product):
    shirt = make_variant_product()
    medium = variant_named(shirt, "M")
    page.set_viewport_size(PHONE_390)
    sign_in_admin(page, admin)

    page.goto(f"/admin/products/{shirt.id}/edit")
    fits(page)
    row = page.get_by_role("form", name="Option M")
    row.get_by_label("Stock").fill("7")
    row.get_by_role("button", name="Save option").click()

    expect(page.get_by_text("Saved the option: stock changed.")).to_be_visible()
    fits(page)
    db.session.expire_all()
    assert db.session.get(ProductVariant, medium.id).stock == 7
    assert db.session.get(ProductVariant, medium.id).product.stock_quantity == 15
