"""Settings: profile, privacy, addresses, download my data, delete my account."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from app.accounts import profile, tokens
from app.accounts.tokens import ClientInfo
from app.coins import ledger
from app.extensions import db
from app.fraud import linked_accounts
from app.models.base import utcnow
from app.models.cart import CartItem
from app.models.linked_accounts import AccountDevice, SignupAddress
from app.models.notifications import Notification
from app.models.orders import Order
from app.models.users import RefreshToken, User, UserAddress
from app.models.wallet import CoinTransaction, Wallet
from app.orders import cart, orders
from tests.fixtures.factories import PASSWORD
from tests.fixtures.sign_in import csrf_from
from tests.web.test_rewards import ADDRESS


def fresh(user: User) -> User:
    return db.session.execute(
        select(User).where(User.id == user.id).execution_options(populate_existing=True)
    ).scalar_one()


def test_settings_page_has_every_section(signed_in):
    page = signed_in.get("/settings").text
    for anchor in ("profile", "privacy", "addresses", "change-password", "your-data"):
        assert f'id="{anchor}"' in page
    assert '<label for="full_name">' in page and 'name="full_name"' in page


def test_profile_saves_name_and_time_zone(signed_in):
    answer = signed_in.post(
        "/settings/profile", {"full_name": "  Mia   Walker ", "timezone": "Asia/Kolkata"}
    )

    assert answer.status_code == 302
    user = fresh(signed_in.user)
    assert (user.full_name, user.timezone) == ("Mia Walker", "Asia/Kolkata")


def test_profile_mistakes_are_inline_and_keep_the_typing(signed_in):
    answer = signed_in.post(
        "/settings/profile", {"full_name": "Mia Typed", "timezone": "Mars/Base"}
    )

    assert answer.status_code == 422
    assert "not a known IANA time zone" in answer.text
    assert 'value="Mia Typed"' in answer.text
    assert fresh(signed_in.user).timezone == "UTC"


def test_privacy_hides_me_and_shows_my_full_name(signed_in):
    signed_in.post("/settings/privacy", {"leaderboard_hidden": "y", "show_full_name": "y"})
    user = fresh(signed_in.user)
    assert user.leaderboard_hidden and user.show_full_name

    signed_in.post("/settings/privacy", {})
    user = fresh(signed_in.user)
    assert not user.leaderboard_hidden and not user.show_full_name


def test_addresses_add_keep_one_default_and_delete(signed_in):
    add = {f"address-{k}": v for k, v in ADDRESS.items()}
    signed_in.post("/settings/addresses", {**add, "address-label": "Home"})
    signed_in.post(
        "/settings/addresses",
        {
            **add,
            "address-label": "Work",
            "address-line1": "9 Office Rd",
            "address-make_default": "y",
        },
    )
    rows = {a.label: a for a in profile.addresses(signed_in.user.id)}
    assert rows["Work"].is_default and not rows["Home"].is_default

    signed_in.post(f"/settings/addresses/{rows['Home'].id}/default")
    db.session.expire_all()
    assert [a.label for a in profile.addresses(signed_in.user.id) if a.is_default] == ["Home"]

    signed_in.post(f"/settings/addresses/{rows['Home'].id}/delete")
    remaining = profile.addresses(signed_in.user.id)
    assert [(a.label, a.is_default) for a in remaining] == [("Work", True)]
    assert "9 Office Rd" in signed_in.get("/settings").text


def test_address_mistakes_are_inline(signed_in):
    answer = signed_in.post("/settings/addresses", {"address-line1": "1 Main Street"})

    assert answer.status_code == 422
    assert 'value="1 Main Street"' in answer.text
    assert "This is required." in answer.text
    assert "<details open>" in answer.text


def test_someone_elses_address_is_not_found(signed_in, make_member):
    theirs = profile.add_address(make_member().id, ADDRESS)
    assert signed_in.post(f"/settings/addresses/{theirs.id}/delete").status_code == 404
    assert db.session.get(UserAddress, theirs.id) is not None


def test_download_my_data_is_a_json_file_of_everything(signed_in, walk, make_product):
    user = signed_in.user
    walk(user, 5000)
    profile.add_address(user.id, ADDRESS)
    cart.add(user.id, make_product("Bottle").id)

    answer = signed_in.get("/settings/export")

    assert answer.mimetype == "application/json"
    assert "attachment" in answer.headers["Content-Disposition"]
    data = json.loads(answer.text)
    assert data["profile"]["email"] == user.email
    assert data["wallet"]["available_coins"] == 50
    assert data["step_records"][0]["steps"] == 5000
    assert data["coin_transactions"][0]["amount"] == 50
    assert data["addresses"][0]["city"] == "Berlin"
    assert data["cart"][0]["quantity"] == 1
    assert {"orders", "notifications", "devices", "achievements", "referrals_made"} <= set(data)
    assert data["phones_synced_from"] == []  # this walk sent no device id
    assert "signup_address" in data


def test_delete_account_anonymises_me_keeps_the_ledger_and_signs_me_out(
    signed_in, walk, make_product, fund
):
    user = signed_in.user
    email = user.email
    walk(user, 5000)
    fund(user, 1000)
    address = profile.add_address(user.id, ADDRESS)
    order = orders.place_order(
        user.id, [(make_product("Bottle", coin_price=300).id, 1)], address_id=address.id
    )
    tokens.issue_pair(user, ClientInfo(device_name="Mia's phone", ip_address="10.0.0.1"))
    linked_accounts.record_device(user.id, "mias-phone", utcnow())
    linked_accounts.record_signup_address(user.id, "10.0.0.1")
    db.session.commit()
    ledger_rows = db.session.execute(
        select(func.count()).select_from(CoinTransaction).where(CoinTransaction.user_id == user.id)
    ).scalar_one()

    answer = signed_in.post(
        "/settings/delete", {"delete-password": PASSWORD, "delete-confirm": "y"}
    )

    assert answer.headers["Location"] == "/"
    gone = fresh(user)
    assert gone.deleted_at is not None and gone.email.endswith("@deleted.invalid")
    assert gone.full_name == "Deleted member" and gone.leaderboard_hidden
    assert signed_in.get("/dashboard").status_code == 302
    # The open order was cancelled through the ledger, and no ledger row was removed.
    assert db.session.get(Order, order.id).status == "cancelled"
    rows_after = db.session.execute(
        select(func.count()).select_from(CoinTransaction).where(CoinTransaction.user_id == user.id)
    ).scalar_one()
    assert rows_after == ledger_rows + 1
    wallet = db.session.execute(select(Wallet).where(Wallet.user_id == user.id)).scalar_one()
    totals = ledger.ledger_totals(user.id)
    assert (wallet.available_coins, wallet.frozen_coins) == (totals.available, totals.frozen)
    assert db.session.get(Order, order.id).shipping_address["line1"] == "(removed)"
    assert (
        db.session.execute(
            select(func.count()).select_from(UserAddress).where(UserAddress.user_id == user.id)
        ).scalar_one()
        == 0
    )
    for table in (Notification, CartItem, AccountDevice, SignupAddress):
        assert (
            db.session.execute(
                select(func.count()).select_from(table).where(table.user_id == user.id)
            ).scalar_one()
            == 0
        )
    token = db.session.execute(select(RefreshToken)).scalar_one()
    assert token.revoked_at is not None and token.ip_address is None and token.device_name is None
    # The old e-mail and password open nothing any more.
    token = csrf_from(signed_in.client.get("/login").text)
    relogin = signed_in.client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert relogin.status_code == 422


def test_delete_account_needs_the_password_and_the_tick(signed_in):
    answer = signed_in.post("/settings/delete", {"delete-password": "wrong-password"})

    assert answer.status_code == 422
    assert "Tick the box to confirm." in answer.text
    wrong = signed_in.post(
        "/settings/delete", {"delete-password": "wrong-password", "delete-confirm": "y"}
    )
    assert "Your password is not right." in wrong.text
    assert fresh(signed_in.user).deleted_at is None
