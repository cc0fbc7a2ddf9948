"""Every member page on a 360 px phone: nothing wider than the screen, every control named."""

from __future__ import annotations

from playwright.sync_api import Page

from app.accounts import profile
from app.coins import ledger
from app.core.db import transaction
from app.orders import cart, orders
from tests.browser.conftest import PHONE
from tests.fixtures.sign_in import sign_in_page

# Each visible form control must have an accessible name: a <label>, or aria-label(ledby).
UNNAMED_CONTROLS = """
() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML.slice(0, 120))
"""
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


def check(page: Page, path: str) -> None:
    answer = page.goto(path)
    assert answer is not None and answer.ok, f"{path}: {answer and answer.status}"
    assert page.evaluate(OVERFLOW) <= 0, f"{path} is wider than the phone"
    assert page.evaluate(UNNAMED_CONTROLS) == [], f"{path} has unlabelled controls"


def test_visitor_pages_fit_and_label_everything(page: Page):
    page.set_viewport_size(PHONE)
    for path in ("/", "/login", "/register?ref=ABCDEFGH", "/password/forgot"):
        check(page, path)


def test_member_pages_fit_and_label_everything(page: Page, member, admin, make_product, walk_today):
    walk_today(member, 9_000)
    with transaction():
        ledger.adjust_by_admin(member.id, 3000, "gift", admin_id=admin.id)
    address = profile.add_address(
        member.id, {"line1": "1 Main Street", "city": "Berlin", "country": "DE"}
    )
    bottle = make_product("Water Bottle", coin_price=800)
    order = orders.place_order(member.id, [(bottle.id, 1)], address_id=address.id)
    cart.add(member.id, bottle.id, 2)
    code = order.order_code
    page.set_viewport_size(PHONE)
    sign_in_page(page, member.email)

    for path in (
        "/dashboard",
        "/steps",
        "/wallet",
        "/achievements",
        "/leaderboard",
        "/rewards",
        f"/rewards/{bottle.id}",
        "/cart",
        "/checkout",
        "/orders",
        f"/orders/{code}",
        "/referrals",
        "/notifications",
        "/settings",
    ):
        check(page, path)


def test_the_main_menu_is_reachable_by_keyboard(page: Page, member):
    sign_in_page(page, member.email)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Rewards":
            break
    else:
        raise AssertionError("Tab never reached the Rewards link")
    page.keyboard.press("Enter")
    page.wait_for_url("**/rewards")
