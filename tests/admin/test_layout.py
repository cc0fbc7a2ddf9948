"""Admin pages use the console's layout; a refused admin GET stays in it."""

from __future__ import annotations

import re

ADMIN_NAV = 'aria-label="Admin sections"'
MEMBER_NAV = 'aria-label="Main"'


def test_admin_pages_have_the_console_nav_and_not_the_member_menu(admin_client):
    for path in ["/admin", "/admin/users", "/admin/orders", "/admin/settings", "/admin/audit"]:
        html = admin_client.get(path).get_data(as_text=True)
        assert ADMIN_NAV in html, path
        assert MEMBER_NAV not in html, path
        assert "header-counts" not in html, path


def test_an_unknown_order_is_a_404_in_the_admin_layout(admin_client):
    answer = admin_client.get("/admin/orders/FK-0000-000000")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 404
    assert "No such order." in html
    assert ADMIN_NAV in html and MEMBER_NAV not in html


def test_member_pages_link_admins_to_the_console_by_its_url(admin_client, member_client):
    admin_page = admin_client.get("/dashboard").get_data(as_text=True)
    assert re.search(r'href="/admin/?">Admin</a>', admin_page)
    assert ADMIN_NAV not in admin_page
    assert ">Admin</a>" not in member_client.get("/dashboard").get_data(as_text=True)
