"""The admin console has its own layout: its sections in the header, none of the member's
menu, on a phone as on a desktop."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in_admin

OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


@pytest.mark.parametrize("width", [390, 360])
def test_admin_pages_show_the_admin_nav_and_not_the_member_menu_on_a_phone(
    page: Page, admin, width
):
    page.set_viewport_size({"width": width, "height": 844})
    sign_in_admin(page, admin)
    admin_nav = page.get_by_role("navigation", name="Admin sections")
    for section, path in [
        ("Members", "/admin/users"),
        ("Orders", "/admin/orders"),
        ("Audit log", "/admin/audit"),
        ("Overview", "/admin"),
    ]:
        admin_nav.get_by_role("link", name=section, exact=True).click()
        page.wait_for_url(re.compile(rf"{path}/?$"))
        expect(admin_nav.get_by_role("link", name=section, exact=True)).to_have_attribute(
            "aria-current", "page"
        )
        # Neither the member's tabs nor its coin and cart counters are on an admin page.
        expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
        expect(page.locator(".header-counts")).to_have_count(0)
        assert page.evaluate(OVERFLOW) <= 0
    for section in [
        "Fraud queue",
        "Products",
        "Achievements",
        "Analytics",
        "Settings",
        "Jobs",
        "API tokens",
    ]:
        expect(admin_nav.get_by_role("link", name=section, exact=True)).to_be_visible()


def test_the_member_layout_offers_admins_only_a_link_to_the_console(page: Page, admin):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_admin(page, admin)
    page.goto("/dashboard")
    expect(page.get_by_role("navigation", name="Admin sections")).to_have_count(0)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    page.wait_for_url(re.compile(r"/admin/?$"))
    expect(page.get_by_role("navigation", name="Admin sections")).to_be_visible()
