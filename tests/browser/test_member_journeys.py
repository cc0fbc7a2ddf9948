"""A member's main journeys in real Chromium: sign up, sync, redeem, cancel."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from app.accounts import profile
from app.coins import ledger
from app.core.db import transaction
from app.extensions import db
from tests.browser.conftest import PHONE
from tests.fixtures.factories import PASSWORD
from tests.fixtures.sign_in import sign_in_page


def htmx_ready(page: Page, url: str) -> None:
    """Wait until the new page is loaded and htmx has wired its triggers: typing before
    that (a busy CI machine) would send no request at all."""
    page.wait_for_url(url)
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.htmx !== undefined && document.readyState === 'complete'")


def coins_in_header(page: Page) -> str:
    return page.locator(".coin-pill").inner_text().split()[0]


def test_register_lands_on_the_dashboard(page: Page):
    page.goto("/")
    page.get_by_role("button", name="Create a free account").click()
    page.get_by_label("Your name").fill("Nia Walker")
    page.get_by_label("E-mail").fill("nia@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_role("heading", name="Hello, Nia")).to_be_visible()
    expect(page.get_by_text("Welcome to FitKart!")).to_be_visible()


def test_steps_synced_by_the_phone_show_up_on_the_dashboard(page: Page, live_server, member):
    api = page.request
    login = api.post(
        live_server("/api/v1/auth/login"),
        data={"email": member.email, "password": PASSWORD, "device_name": "test phone"},
    )
    assert login.ok, login.text()
    token = login.json()["access_token"]
    today = page.evaluate("new Date().toISOString().slice(0, 10)")
    synced = api.post(
        live_server("/api/v1/steps/sync"),
        headers={"Authorization": f"Bearer {token}"},
        data={
            "records": [
                {
                    "date": today,
                    "steps": 12_000,
                    "source": "google_fit",
                    "distance_m": 9000,
                    "active_minutes": 110,
                }
            ]
        },
    )
    assert synced.ok, synced.text()
    assert synced.json()["results"][0]["status"] == "accepted"

    sign_in_page(page, member.email)

    expect(page.locator(".stat-today .stat-value")).to_contain_text("12,000")
    expect(page.get_by_text("120 coins earned")).to_be_visible()
    assert coins_in_header(page) == "120"
    # One htmx click switches the chart range without reloading the page.
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("link", name="7 days").click()
    expect(page.locator(".chart-summary")).to_contain_text("last 7 days")
    expect(page).to_have_url(re.compile(r"range=7"))
    assert page.evaluate("window.__sameDocument") is True


def test_redeem_a_product_then_cancel_gets_the_coins_back(page: Page, member, admin, make_product):
    with transaction():
        ledger.adjust_by_admin(member.id, 1000, "welcome gift", admin_id=admin.id)
    make_product("Yoga Mat", coin_price=2500)
    make_product("Water Bottle", coin_price=800, stock_quantity=4)
    sign_in_page(page, member.email)
    assert coins_in_header(page) == "1,000"

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Rewards").click()
    htmx_ready(page, "**/rewards")
    page.get_by_role("searchbox").fill("bott")
    expect(page.locator(".product-card")).to_have_count(1)
    page.get_by_role("heading", name="Water Bottle").get_by_role("link").click()
    page.get_by_role("button", name="Redeem now").click()

    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    page.get_by_label("Address line 1").fill("1 Main Street")
    page.get_by_label("City").fill("Berlin")
    page.get_by_label("Country code").fill("DE")
    page.get_by_role("button", name=re.compile("Place order")).click()

    expect(page).to_have_url(re.compile(r"/orders/FK-\d{4}-\d{6}$"))
    code = page.url.rsplit("/", 1)[1]
    expect(page.get_by_text("800 coins are held")).to_be_visible()
    assert coins_in_header(page) == "200"

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
    page.get_by_role("link", name=re.compile(code)).click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel this order").click()

    expect(page.get_by_text("800 coins are back in your wallet").first).to_be_visible()
    assert coins_in_header(page) == "1,000"
    db.session.rollback()
    assert [a.city for a in profile.addresses(member.id)] == ["Berlin"]
    db.session.rollback()


def test_add_to_cart_updates_the_header_without_a_reload(page: Page, member, make_product):
    make_product("Water Bottle", coin_price=800)
    sign_in_page(page, member.email)
    page.goto("/rewards")

    page.get_by_role("button", name="Add to cart").click()

    expect(page.locator(".product-card")).to_contain_text("1 in your cart")
    expect(page.get_by_role("link", name="Cart, 1 item")).to_be_visible()


def test_dashboard_on_a_phone_fits_the_screen(page: Page, member, artifacts, walk_today):
    walk_today(member, 8_600)
    page.set_viewport_size(PHONE)
    sign_in_page(page, member.email)
    page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('canvas'))")

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the dashboard is {overflow}px wider than a 360px phone"
    page.screenshot(path=str(artifacts / "dashboard-360.png"), full_page=True)
    assert (artifacts / "dashboard-360.png").stat().st_size > 10_000
