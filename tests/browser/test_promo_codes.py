"""Promo codes in Chromium at phone size (390 and 360 px): redeeming on the wallet page,
applying one at checkout, and the admin's promo-code pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.accounts import profile
from app.coins import ledger
from app.core.db import transaction
from app.extensions import db
from app.orders import cart, promo_codes
from tests.browser.conftest import PHONE, sign_in_admin
from tests.fixtures.sign_in import sign_in_page

PHONES = [{"width": 390, "height": 844}, PHONE]
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


@pytest.mark.parametrize("screen", PHONES, ids=["390px", "360px"])
def test_a_member_redeems_a_coin_code_on_a_phone(page: Page, member, admin, screen):
    promo_codes.create_code({"code": "STEPS-50", "kind": "coins", "value": 50}, admin_id=admin.id)
    db.session.commit()
    page.set_viewport_size(screen)
    sign_in_page(page, member.email)
    page.goto("/wallet")
    assert page.evaluate(OVERFLOW) <= 0

    page.get_by_label("Promo code").fill("nope")
    page.get_by_role("button", name="Redeem").click()
    expect(page.locator("#promo-code-error")).to_contain_text("no such promo code")
    assert page.evaluate(OVERFLOW) <= 0

    page.get_by_label("Promo code").fill("steps-50")
    page.get_by_role("button", name="Redeem").click()
    expect(page.locator(".flash, [role=status], .flash-success").first).to_contain_text(
        "50 coins are in your wallet"
    )
    expect(page.locator("#ledger")).to_contain_text("Promo code STEPS-50")


def test_a_member_applies_a_discount_code_at_checkout_on_a_phone(
    page: Page, member, admin, make_product
):
    promo_codes.create_code({"code": "TWENTY", "kind": "percent", "value": 20}, admin_id=admin.id)
    with transaction():
        ledger.adjust_by_admin(member.id, 2000, "gift", admin_id=admin.id)
    profile.add_address(member.id, {"line1": "1 Main Street", "city": "Berlin", "country": "DE"})
    bottle = make_product("Water Bottle", coin_price=500)
    cart.add(member.id, bottle.id, 2)
    db.session.commit()
    page.set_viewport_size(PHONES[0])
    sign_in_page(page, member.email)
    page.goto("/checkout")
    assert page.evaluate(OVERFLOW) <= 0

    page.locator("#promo_code").fill("twenty")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("[data-discount]")).to_contain_text("Promo code TWENTY")
    assert page.evaluate(OVERFLOW) <= 0
    page.get_by_role("button", name=re.compile(r"Place order · 800 coins")).click()

    expect(page).to_have_url(re.compile(r"/orders/FK-\d{4}-\d{6}$"))
    expect(page.locator("[data-discount]")).to_contain_text("200")


@pytest.mark.parametrize("screen", PHONES, ids=["390px", "360px"])
def test_an_admin_creates_and_pauses_a_code_on_a_phone(page: Page, admin, screen):
    page.set_viewport_size(screen)
    sign_in_admin(page, admin)
    page.goto("/admin/promo-codes/new")
    assert page.evaluate(OVERFLOW) <= 0

    page.get_by_label("Code", exact=True).fill("bad code")
    page.get_by_label("Value").fill("10")
    page.get_by_role("button", name="Create promo code").click()
    expect(page.locator("#code-error")).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0

    page.get_by_label("Code", exact=True).fill("WINTER-10")
    page.get_by_label("What it does").select_option("percent")
    page.get_by_role("button", name="Create promo code").click()
    expect(page).to_have_url(re.compile(r"/admin/promo-codes$"))
    expect(page.locator("#promo-codes")).to_contain_text("WINTER-10")
    assert page.evaluate(OVERFLOW) <= 0

    page.get_by_role("button", name="Pause").click()
    expect(page.locator("#promo-codes")).to_contain_text("paused")
