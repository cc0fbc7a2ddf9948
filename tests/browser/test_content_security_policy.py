"""The main member and admin pages run under the Content-Security-Policy with nothing blocked.

Chromium reports every blocked script, style or handler as a `securitypolicyviolation` event
and a console error; the test collects both while it uses each page (its chart drawn, the
search typed into, the cart changed, a flagged day triaged with the keyboard) and fails on
any.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from app.coins import ledger
from app.core.db import transaction
from app.extensions import db
from app.models.base import utcnow
from tests.browser.test_member_journeys import htmx_ready
from tests.fixtures.sign_in import sign_in_admin, sign_in_page
from tests.fraud.test_review import flag_a_day

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline")
                    + " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


@pytest.fixture
def watched(page: Page):
    """The page, with every CSP violation it logs collected; asserted empty at the end."""
    console: list[str] = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    page.context.add_init_script(RECORD_VIOLATIONS)
    yield page
    events = page.evaluate("window.__csp || []")
    assert (console, events) == ([], []), f"CSP violations: {console} {events}"


def visit(page: Page, path: str) -> None:
    page.goto(path)
    htmx_ready(page, f"**{path}")


def assert_no_violations_yet(page: Page, where: str) -> None:
    events = page.evaluate("window.__csp || []")
    assert events == [], f"{where}: {events}"


def test_member_pages_work_under_the_policy(watched: Page, member, admin, make_product, walk_today):
    page = watched
    walk_today(member, 8_600)
    with transaction():
        # Movements on two days: the wallet draws its balance chart from two points on.
        ledger.adjust_by_admin(
            member.id, 2_000, "welcome gift", admin_id=admin.id, now=utcnow() - timedelta(days=3)
        )
    make_product("Water Bottle", coin_price=800)
    make_product("Yoga Mat", coin_price=1_500)
    db.session.commit()
    sign_in_page(page, member.email)

    htmx_ready(page, "**/dashboard")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('canvas'))")
    assert_no_violations_yet(page, "/dashboard")

    visit(page, "/wallet")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('canvas'))")
    assert_no_violations_yet(page, "/wallet")

    visit(page, "/rewards")
    page.get_by_role("searchbox").fill("bott")
    expect(page.locator(".product-card")).to_have_count(1)
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("link", name="Cart, 1 item")).to_be_visible()
    assert_no_violations_yet(page, "/rewards")

    visit(page, "/cart")
    expect(page.locator("#cart-body")).to_contain_text("Water Bottle")
    assert_no_violations_yet(page, "/cart")

    for path in ("/steps", "/orders", "/achievements", "/leaderboard", "/settings"):
        visit(page, path)
        assert_no_violations_yet(page, path)


def test_admin_pages_work_under_the_policy(watched: Page, admin, member):
    page = watched
    case = flag_a_day(member, 9_050)
    case_id = case.id
    db.session.commit()
    sign_in_admin(page, admin)

    visit(page, "/admin")
    assert_no_violations_yet(page, "/admin")

    visit(page, "/admin/fraud")
    page.keyboard.press("e")
    page.locator(f"#evidence-{case_id} canvas.evidence-chart").wait_for()
    page.keyboard.press("a")
    page.locator(f"#case-{case_id}.case-done").wait_for()
    assert_no_violations_yet(page, "/admin/fraud")

    visit(page, "/admin/analytics")
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.querySelector('canvas.admin-chart'))"
    )
    assert_no_violations_yet(page, "/admin/analytics")

    for path in ("/admin/users", "/admin/orders", "/admin/products", "/admin/jobs"):
        visit(page, path)
        assert_no_violations_yet(page, path)
