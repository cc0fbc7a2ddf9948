"""On a 360 px phone in real Chromium: the member chart draws a day under review, and the
admin overview and token pages render with their alerts, chart and the one-time secret."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page

from app.extensions import db
from app.models.base import utcnow
from app.steps import sync as steps
from app.steps.sync import IncomingRecord
from app.web.charts import AMBER, GREEN
from tests.browser.conftest import PHONE
from tests.fixtures.factories import PASSWORD
from tests.fixtures.sign_in import sign_in_admin, sign_in_page
from tests.fraud.test_review import flag_a_day

OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"
# The drawn chart, as Chart.js holds it: the dataset and each bar's pixel height.
STEPS_BARS = """
() => {
  const canvas = document.querySelector('#steps-chart-card canvas[data-chart]');
  const chart = window.Chart && window.Chart.getChart(canvas);
  if (!chart) return null;
  const bars = chart.data.datasets[0];
  return {
    data: bars.data, colours: bars.backgroundColor, statuses: bars.statuses,
    heights: chart.getDatasetMeta(0).data.map(bar => {
      const end = bar.getProps(['y', 'base'], true);  // where the animation ends
      return Math.round(end.base - end.y);
    }),
  };
}
"""


def test_the_dashboard_chart_draws_the_day_under_review_on_a_phone(page: Page, member, artifacts):
    today = steps.member_today(member)
    for day, count in ((today - timedelta(days=1), 8_000), (today, 90_000)):
        results = steps.sync_records(
            member,
            [
                IncomingRecord(
                    day=day,
                    steps=count,
                    source="google_fit",
                    distance_m=count * 0.75,
                    active_minutes=max(1, count // 100),
                )
            ],
        )
    assert results[0].status == "flagged"
    db.session.commit()
    page.set_viewport_size(PHONE)
    sign_in_page(page, member.email)

    page.goto("/dashboard?range=7")
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.querySelector('#steps-chart-card canvas'))"
    )
    bars = page.evaluate(STEPS_BARS)

    assert bars["data"][-2:] == [8_000, 90_000]
    assert bars["colours"][-2:] == [GREEN, AMBER]
    assert bars["statuses"][-1] == "Under review"
    assert bars["heights"][-1] > bars["heights"][-2] > 0  # drawn, and taller: not a gap
    tooltip = page.evaluate(
        """() => {
          const chart = Chart.getChart(document.querySelector('#steps-chart-card canvas'));
          const bars = chart.data.datasets[0], last = bars.data.length - 1;
          const label = chart.options.plugins.tooltip.callbacks.label;
          return label({dataset: bars, dataIndex: last, raw: bars.data[last]});
        }"""
    )
    assert tooltip == "Under review: 90,000 steps"
    assert page.evaluate(OVERFLOW) <= 0
    page.get_by_text("Show the days as a table").click()
    row = page.locator(f'tr[data-day="{today.isoformat()}"]')
    assert "Under review" in row.inner_text() and "90,000" in row.inner_text()
    page.screenshot(path=str(artifacts / "dashboard-under-review-phone.png"), full_page=True)


def test_the_overview_and_tokens_pages_work_on_a_phone(page: Page, admin, make_member, artifacts):
    case = flag_a_day(make_member(), 9_000)
    case.created_at = utcnow() - timedelta(days=3)
    db.session.commit()
    page.set_viewport_size(PHONE)
    sign_in_admin(page, admin)

    page.goto("/admin")
    alert = page.locator('[data-alert="queue_too_old"]')
    assert "waited more than 48 h" in alert.inner_text()
    assert "oldest waiting 3 d" in page.locator('[data-metric="oldest-case"]').inner_text()
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.querySelector('#case-flow canvas'))"
    )
    series = page.evaluate(
        "() => Chart.getChart(document.querySelector('#case-flow canvas'))"
        ".data.datasets.map(d => [d.label, d.data.reduce((a, b) => a + b)])"
    )
    assert series == [["Opened", 1], ["Decided", 0]]
    assert page.evaluate(OVERFLOW) <= 0
    page.screenshot(path=str(artifacts / "admin-overview-phone.png"), full_page=True)
    alert.get_by_role("link").click()
    page.wait_for_url("**/admin/fraud")

    page.goto("/admin/tokens")
    page.get_by_label("Name").fill("phone-made")
    page.get_by_label("Scope").select_option("write")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("[data-token]").inner_text()
    assert secret.startswith("fka_") and len(secret) > 40
    assert page.evaluate(OVERFLOW) <= 0
    page.goto("/admin/tokens")
    assert page.locator("[data-token]").count() == 0
    assert "phone-made" in page.locator("table").inner_text()


def test_a_new_admin_sets_up_the_authenticator_on_a_phone(page: Page, make_member, artifacts):
    import pyotp

    admin = make_member("fresh.admin@example.com", role="admin", with_second_factor=False)
    db.session.commit()
    page.set_viewport_size(PHONE)
    page.goto("/login")
    page.get_by_label("E-mail").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/account/second-factor/setup**")

    qr = page.locator("[data-qr] svg")
    box = qr.bounding_box()
    assert box and 150 <= box["width"] <= 360 and box["height"] == box["width"]
    page.get_by_text("Cannot scan?").click()
    secret = page.locator("[data-secret]").inner_text()
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on the second factor").click()
    codes = page.locator("[data-recovery-codes] li")
    assert codes.count() == 10
    assert page.evaluate(OVERFLOW) <= 0
    page.screenshot(path=str(artifacts / "admin-second-factor-phone.png"), full_page=True)
    page.get_by_role("button", name="I have saved them: continue").click()
    page.wait_for_url(re.compile(r"/admin/?$"))
    assert page.locator("[data-metric]").count() > 0  # the overview itself, not a detour
