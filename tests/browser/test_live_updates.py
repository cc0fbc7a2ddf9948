"""Live updates in real Chromium: a phone sync changes the open dashboard without a reload;
two admins see each other's work on the fraud queue."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from app.core import live_events
from app.extensions import db
from tests.api.conftest import today
from tests.fixtures.sign_in import Phone, sign_in_admin, sign_in_page
from tests.fraud.test_review import flag_a_day


@pytest.fixture
def live_streams(app: Flask) -> Iterator[None]:
    # Streams stay open for the test (the testing default ends them at once).
    app.config["LIVE_STREAM_SECONDS"] = 120
    # A closed tab's stream notices within a second (the next heartbeat fails to write).
    app.config["LIVE_HEARTBEAT_SECONDS"] = 1
    yield
    live_events.end_all_streams()


# Each new document notes when htmx's sse extension has its stream open.
NOTE_STREAM_OPEN = (
    "document.addEventListener('htmx:sseOpen', function () { window.streamOpen = true; });"
)


def wait_for_stream(page: Page) -> None:
    # A function, not an expression: Playwright polls a bare expression with eval(), which
    # the page's CSP (no 'unsafe-eval') refuses whenever the first check is false.
    page.wait_for_function("() => window.streamOpen === true")


def test_a_phone_sync_changes_the_open_dashboard_without_a_reload(
    page, app, live_server, member, live_streams
):
    email = member.email
    page.context.add_init_script(NOTE_STREAM_OPEN)
    sign_in_page(page, email)
    coins = page.locator(".coin-pill span").first
    expect(coins).to_have_text("0")
    page.evaluate("window.loadedOnce = true")
    wait_for_stream(page)

    phone = Phone(app.test_client(), email)
    answer = phone.sync(
        {"date": today(), "steps": 9_000, "source": "google_fit", "distance_m": 6_750}
    )
    assert answer.status_code == 200, answer.get_json()
    coins_now = answer.get_json()["wallet"]["available_coins"]
    assert coins_now > 0

    expect(coins).to_have_text(f"{coins_now:,}", timeout=5_000)
    expect(page.locator("#today-stats .stat-today .stat-value")).to_contain_text("9,000")
    expect(page.locator("#notifications-badge")).to_be_visible()
    assert page.evaluate("window.loadedOnce") is True, "the page was not reloaded"


def test_two_admins_see_each_other_take_and_decide_cases(
    browser, app, live_server, admin, make_member, member, live_streams
):
    other = make_member(full_name="Otto Other", role="admin")
    first_case = flag_a_day(member)
    case_id = first_case.id
    admins = (admin, other)
    db.session.commit()

    tabs = []
    for who in admins:
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 800}
        )
        context.set_default_timeout(10_000)
        context.add_init_script(NOTE_STREAM_OPEN)
        tab = context.new_page()
        sign_in_admin(tab, who)
        tab.goto("/admin/fraud")
        tabs.append(tab)
    ada, otto = tabs
    for tab in tabs:
        wait_for_stream(tab)

    # Ada opens the evidence: Otto sees who is on it.
    ada.locator(f"#case-{case_id} [data-expand]").click()
    expect(otto.locator(f"#case-live-{case_id}")).to_have_text(
        "Being reviewed by Ada Admin", timeout=5_000
    )
    expect(ada.locator(f"#case-live-{case_id}")).to_have_text("Being reviewed by you")

    # Ada approves: Otto's row says so, its buttons go, and his count drops.
    ada.locator(f"#case-{case_id} [data-approve]").click()
    expect(otto.locator(f"#case-live-{case_id}")).to_have_text(
        "Approved by Ada Admin", timeout=5_000
    )
    expect(otto.locator(f"#case-{case_id} [data-approve]")).to_be_hidden()
    expect(otto.locator("#queue-count")).to_have_text("0")

    # A new flagged day arrives: both queues say so, with a link that shows it.
    second = make_member(full_name="Nia New")
    new_id = flag_a_day(second).id
    db.session.commit()
    for tab in tabs:
        expect(tab.locator("#queue-count")).to_have_text("1", timeout=5_000)
        expect(tab.locator("#fraud-new a")).to_have_attribute("href", "/admin/fraud")
    for tab in tabs:
        tab.locator("#fraud-new a").click()
        expect(tab.locator(f"#case-{new_id}")).to_contain_text("Nia New")
        wait_for_stream(tab)

    # Otto rejects it: Ada sees it decided by him.
    otto.locator(f"#case-{new_id} [data-reject-note]").fill("Not a walk.")
    otto.locator(f"#case-{new_id} .reject-form button").click()
    expect(ada.locator(f"#case-live-{new_id}")).to_have_text(
        "Rejected by Otto Other", timeout=5_000
    )
    for tab in tabs:
        tab.context.close()
