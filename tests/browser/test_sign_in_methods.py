"""In real Chromium on a 360 px phone: signing in with an e-mailed code, confirming the
e-mail address from the mailed link, Google, and Apple's cross-site form_post answer."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import request
from playwright.sync_api import Page, expect

from app.accounts import accounts
from app.core import mail
from app.extensions import db
from tests.browser.conftest import PHONE
from tests.fixtures.sign_in import sign_in_page

OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


def test_a_member_signs_in_with_an_emailed_code_on_a_phone(page: Page, member, artifacts):
    email = member.email
    db.session.commit()
    page.set_viewport_size(PHONE)
    page.goto("/login")
    page.get_by_role("link", name="E-mail me a code instead").click()
    page.get_by_label("E-mail").fill(email)
    page.get_by_role("button", name="E-mail me a code").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0

    body = [m for m in mail.outbox() if m.to == email][-1].body
    db.session.commit()
    page.get_by_label("Code from the e-mail").fill(re.search(r"code is (\d{6})", body).group(1))
    page.screenshot(path=str(artifacts / "email-code-phone.png"), full_page=True)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def test_a_new_member_confirms_the_email_from_a_phone(page: Page, make_member, artifacts):
    from app.accounts import email_verification

    user = make_member(email_verified=False)
    token = email_verification.make_token(user)
    db.session.commit()
    page.set_viewport_size(PHONE)
    sign_in_page(page, user.email)
    page.goto("/settings")
    assert "not confirmed yet" in page.locator("[data-email-status]").inner_text()

    page.goto(f"/email/verify/{token}")
    expect(page.get_by_role("heading", name="Your e-mail is confirmed")).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0
    page.screenshot(path=str(artifacts / "email-confirmed-phone.png"), full_page=True)
    page.goto("/settings")
    assert "is confirmed" in page.locator("[data-email-status]").inner_text()


def test_continue_with_google_then_settings_lists_it_on_a_phone(
    app, page: Page, live_server, fake_provider, artifacts
):
    app.config["PUBLIC_BASE_URL"] = live_server.url  # the provider sends the browser back here
    fake_provider.next_user = {"sub": "g-77", "email": "gus@gmail.com", "name": "Gus Google"}
    page.set_viewport_size(PHONE)
    page.goto("/login")
    page.get_by_role("button", name="Continue with Google").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))

    page.goto("/settings#sign-in-methods")
    methods = page.locator("[data-linked-providers]")
    assert "Google (gus@gmail.com)" in methods.inner_text()
    assert page.evaluate(OVERFLOW) <= 0
    page.locator("#sign-in-methods").screenshot(path=str(artifacts / "sign-in-methods-phone.png"))
    page.get_by_role("button", name="Unlink").click()
    assert page.locator('[data-provider="google"]').count() == 0


def test_continue_with_apple_survives_its_cross_site_post_in_chromium(
    app, browser, live_server, apple_web, artifacts
):
    # The site on localhost, the provider on 127.0.0.1: two sites, so Chromium sends the
    # provider's form POST without the Lax session cookie, as it would from Apple.
    origin = f"http://localhost:{urlsplit(live_server.url).port}"
    app.config["PUBLIC_BASE_URL"] = origin
    callbacks: list[tuple[str, bool]] = []

    @app.before_request
    def note_the_session_cookie() -> None:
        if request.path == "/login/apple/callback":
            callbacks.append((request.method, "session" in request.cookies))

    apple_web.next_user = {"sub": "a-77", "email": "ana@icloud.com"}
    apple_web.apple_user_field = '{"name": {"firstName": "Ana", "lastName": "Apfel"}}'
    context = browser.new_context(base_url=origin, viewport=PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/login")
        page.get_by_role("button", name="Continue with Apple").click()
        page.get_by_role("button", name="Continue").click()  # the provider's form_post page
        expect(page).to_have_url(re.compile(r"/dashboard$"))
        assert page.evaluate(OVERFLOW) <= 0
        page.screenshot(path=str(artifacts / "apple-sign-in-phone.png"))
    finally:
        context.close()
    # The premise, as Chromium behaves: the POST came without the session, the GET with it.
    assert callbacks == [("POST", False), ("GET", True)]
    db.session.expire_all()
    user = accounts.find_by_email("ana@icloud.com")
    assert user is not None and user.full_name == "Ana Apfel"
