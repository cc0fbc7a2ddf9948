"""Passkeys in real Chromium through its virtual authenticator (DevTools WebAuthn domain):
register one in /settings, sign out, sign in with it from /login."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models.sign_in import Passkey
from tests.browser.conftest import PHONE
from tests.fixtures.sign_in import sign_in_page

OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


def test_a_member_registers_a_passkey_and_signs_in_with_it(
    app, browser, live_server, member, artifacts
):
    # WebAuthn refuses IP addresses as relying party: the browser uses localhost.
    port = urlsplit(live_server.url).port
    origin = f"http://localhost:{port}"
    app.config.update(WEBAUTHN_RP_ID="localhost", WEBAUTHN_ORIGIN=origin)
    email = member.email
    db.session.commit()
    context = browser.new_context(base_url=origin, viewport=PHONE)
    context.set_default_timeout(10_000)
    page: Page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    try:
        sign_in_page(page, email)
        page.goto("/settings#passkeys")
        page.get_by_label("Name for a new passkey").fill("Test phone")
        page.get_by_role("button", name="Add a passkey").click()
        expect(page.locator("[data-passkeys]")).to_contain_text("Test phone")
        # Once the swap has settled (on a busy machine the check can land mid-swap).
        page.wait_for_function(f"() => {OVERFLOW} <= 0", timeout=10_000)
        page.locator("#passkeys").screenshot(path=str(artifacts / "passkeys-phone.png"))
        db.session.expire_all()
        stored = db.session.execute(select(Passkey)).scalar_one()
        assert stored.user_id == member.id and stored.name == "Test phone"
        db.session.commit()

        page.get_by_role("button", name="Sign out").first.click()
        page.goto("/login")
        page.get_by_role("button", name="Use a passkey").click()
        expect(page).to_have_url(re.compile(r"/dashboard$"))
        db.session.expire_all()
        assert db.session.get(Passkey, stored.id).last_used_at is not None
        db.session.commit()
    finally:
        context.close()
    assert errors == []
