"""E-mail verification: a new member gets a link, walks and earns, and checks out only
once the address is confirmed; settings shows the state and sends the link again."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.accounts import accounts, email_verification, profile
from app.core import mail
from app.extensions import db
from app.models.orders import Order
from app.models.users import User
from tests.fixtures.sign_in import csrf_from
from tests.web.conftest import Member
from tests.web.test_rewards import ADDRESS


def _link_in_mail(email: str) -> str:
    body = [m for m in mail.outbox() if m.to == email][-1].body
    return re.search(r"https?://\S+/email/verify/\S+", body).group(0)


def test_registering_mails_a_confirmation_link_that_confirms_the_address(client):
    page = client.get("/register")
    answer = client.post(
        "/register",
        data={
            "full_name": "Nia New",
            "email": "nia@example.com",
            "password": "a-long-passphrase-9",
            "timezone": "UTC",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert answer.status_code == 302
    user = accounts.find_by_email("nia@example.com")
    assert user.email_verified_at is None
    link = _link_in_mail("nia@example.com")
    assert "not confirmed yet" in client.get("/settings").text

    path = link.split("://", 1)[1].split("/", 1)[1]
    confirmed = client.get("/" + path)
    assert confirmed.status_code == 200 and "Your e-mail is confirmed" in confirmed.text
    db.session.expire_all()
    assert db.session.get(User, user.id).email_verified_at is not None
    assert "Your e-mail address is confirmed" in client.get("/settings").text


def test_a_forged_or_stale_link_is_refused(client, make_member):
    user = make_member(email_verified=False)
    token = email_verification.make_token(user)
    assert client.get(f"/email/verify/{token}x").status_code == 400
    user.email = "changed@example.com"
    db.session.commit()
    stale = client.get(f"/email/verify/{token}")
    assert stale.status_code == 400 and "not for your current address" in stale.text
    db.session.expire_all()
    assert db.session.get(User, user.id).email_verified_at is None


def test_an_unconfirmed_member_cannot_check_out(app, make_member, make_product, fund):
    user = make_member(email_verified=False)
    fund(user, 2000)
    address = profile.add_address(user.id, ADDRESS)
    bottle = make_product("Water Bottle", coin_price=800, stock_quantity=5)
    browser = Member(app.test_client(), user)
    browser.post(f"/cart/add/{bottle.id}", {"quantity": "1"})

    page = browser.get("/checkout")
    assert page.status_code == 200 and "data-unverified" in page.text
    answer = browser.post("/checkout", {"address_id": str(address.id)})
    assert answer.status_code == 403
    assert "Confirm your e-mail address before checking out" in answer.text
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_sending_the_link_again_is_limited(app, make_member):
    user = make_member(email_verified=False)
    browser = Member(app.test_client(), user)
    statuses = [browser.post("/settings/email/verify-again").status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 302]
    assert len([m for m in mail.outbox() if m.to == user.email]) == 3
    assert "sent several times already" in browser.get("/settings").text
