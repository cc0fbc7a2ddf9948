"""An admin works the fraud queue with the keyboard in real Chromium."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models.steps import StepValidation
from app.models.wallet import Wallet
from tests.fixtures.sign_in import sign_in_admin
from tests.fraud.test_review import flag_a_day


def test_admin_expands_a_flagged_day_approves_with_the_keyboard_and_sees_the_coins(
    page, live_server, admin, member
):
    case = flag_a_day(member, 9_050)
    case_id, member_id = case.id, member.id
    db.session.commit()

    sign_in_admin(page, admin)
    page.goto("/admin/fraud")
    assert page.locator("#queue-count").inner_text() == "1"

    page.keyboard.press("e")
    evidence = page.locator(f"#evidence-{case_id} .evidence")
    evidence.wait_for()
    assert "manual" in evidence.inner_text().lower()
    assert page.locator(f"#evidence-{case_id} canvas.evidence-chart").count() == 1

    page.keyboard.press("a")
    page.locator(f"#case-{case_id}.case-done").wait_for()
    assert "90 coins awarded" in page.locator(f"#case-{case_id}").inner_text()
    assert page.locator("#queue-count").inner_text() == "0"

    page.goto(f"/admin/users/{member_id}")
    assert "90" in page.locator("section.stats article").first.inner_text()
    db.session.expire_all()
    assert db.session.get(StepValidation, case_id).status == "approved"
    wallet = db.session.execute(select(Wallet).where(Wallet.user_id == member_id)).scalar_one()
    assert wallet.available_coins == 90
