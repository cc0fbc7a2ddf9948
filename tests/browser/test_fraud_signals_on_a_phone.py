"""Issue 13's new panels at phone size (360 px) in Chromium: the reasons and weights on
/steps, a held referral bonus on /referrals, and for an admin the evidence signals,
linked accounts and held bonuses."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models.linked_accounts import ReferralHold
from app.models.steps import StepValidation
from app.models.users import Referral
from app.steps import sync as steps
from app.steps.sync import IncomingRecord
from tests.browser.conftest import PHONE
from tests.fixtures.sign_in import sign_in_admin, sign_in_page

OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


def sync_on(user, device_id: str, count: int, distance_m: float | None = None) -> None:
    steps.sync_records(
        user,
        [
            IncomingRecord(
                day=steps.member_today(user),
                steps=count,
                source="google_fit",
                distance_m=distance_m,
            )
        ],
        device_id=device_id,
    )


def fits_the_phone(page: Page, name: str, artifacts) -> None:
    assert page.evaluate(OVERFLOW) <= 0, f"{name} is wider than a 360px phone"
    page.screenshot(path=str(artifacts / f"{name}-360.png"), full_page=True)


def test_a_member_reads_the_score_and_weights_and_a_held_bonus_on_a_phone(
    page, live_server, make_member, artifacts
):
    walker = make_member(full_name="Wanda Walker")
    friend = make_member(full_name="Fran Friend", referral_code=walker.referral_code)
    sync_on(walker, "phone-w", 9000, distance_m=900.0)  # stride too short: held
    referral = db.session.execute(select(Referral)).scalar_one()
    db.session.add(ReferralHold(referral_id=referral.id, reasons=[]))
    db.session.commit()
    email, friend_id = walker.email, friend.id
    assert friend_id

    page.set_viewport_size(PHONE)
    sign_in_page(page, email)
    page.goto("/steps")
    why = page.locator(".day-pending .why")
    expect(why).to_contain_text("Score")
    expect(why.locator(".weight").first).to_have_text("+30")
    expect(why).to_contain_text("shorter than a person's step")
    fits_the_phone(page, "steps-reasons", artifacts)

    page.goto("/referrals")
    expect(page.locator(".invite-row")).to_contain_text("Bonus held for a check")
    expect(page.locator(".held-why")).to_contain_text("same phone")
    fits_the_phone(page, "referrals-held", artifacts)


def test_an_admin_reads_signals_and_linked_accounts_on_a_phone(
    page, live_server, admin, make_member, artifacts
):
    owner = make_member(full_name="Olive Owner")
    twin = make_member(full_name="Tom Twin", referral_code=owner.referral_code)
    sync_on(owner, "pixel-shared", 7000)
    sync_on(twin, "pixel-shared", 7000)
    referral = db.session.execute(select(Referral)).scalar_one()
    db.session.add(
        ReferralHold(
            referral_id=referral.id,
            reasons=[{"code": "linked_accounts", "message": "Same phone.", "weight": 0}],
        )
    )
    db.session.commit()
    case_id = db.session.execute(select(StepValidation.id)).scalar_one()
    twin_id = twin.id
    db.session.commit()  # end the read: on SQLite every transaction takes the write lock

    page.set_viewport_size(PHONE)
    sign_in_admin(page, admin)
    page.goto(f"/admin/fraud/{case_id}")
    signals = page.locator("table.signals")
    expect(signals.locator("tr.signal-fired")).to_contain_text("Phone shared")
    expect(signals.locator("tr.signal-not_measured").first).to_contain_text("not measured")
    expect(page.locator(".linked-list")).to_contain_text("Olive Owner")
    fits_the_phone(page, "admin-evidence-signals", artifacts)

    page.goto(f"/admin/users/{twin_id}")
    expect(page.locator("#linked-accounts")).to_contain_text("Olive Owner")
    page.get_by_role("button", name="Approve and pay the bonus").click()
    expect(page.locator("body")).to_contain_text("the referral bonus was paid")
    fits_the_phone(page, "admin-member-linked", artifacts)
    db.session.expire_all()
    assert db.session.execute(select(ReferralHold.status)).scalar_one() == "approved"
