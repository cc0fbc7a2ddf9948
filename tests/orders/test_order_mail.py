"""Order e-mails: queued in the outbox with the order change, sent after commit from
templates (plain text and HTML), switched off per member, retried by the mail_outbox job,
and never in the way of the change that caused them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.accounts import profile
from app.coins import ledger
from app.core import mail, outbox
from app.core.db import transaction
from app.extensions import db
from app.jobs import run_job
from app.models.mail import OutboundMail
from app.models.notifications import Notification
from app.models.users import UserAddress
from app.orders import orders, promo_codes

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HOME = {"recipient_name": "Mia Member", "line1": "1 Main Street", "city": "Berlin", "country": "DE"}


@pytest.fixture
def placed(app, member, make_product):
    with transaction():
        ledger.award_step_coins(member.id, date(2026, 11, 20), 2000)
    db.session.add(UserAddress(user_id=member.id, is_default=True, **HOME))
    db.session.commit()
    product = make_product("Trail Bottle", coin_price=450)
    return orders.place_order(member.id, [(product.id, 2)], now=NOW)


def mails_about(code: str) -> list[mail.Mail]:
    return [m for m in mail.outbox() if code in m.subject]


def test_every_order_step_but_packing_sends_an_email_with_text_and_html(app, admin, placed):
    code = placed.order_code
    for status in ("processing", "shipped", "delivered", "refunded"):
        orders.change_status(code, status, admin_id=admin.id, tracking_number="DHL-123456", now=NOW)

    # Two background senders: the order they finish in is not fixed.
    sent = {m.subject.removeprefix(f"Your FitKart order {code} "): m for m in mails_about(code)}

    assert sorted(sent) == ["has arrived", "is on its way", "is placed", "is refunded"]
    assert {m.to for m in sent.values()} == {placed_member_email(placed)}
    assert "2 x Trail Bottle" in sent["is placed"].body
    assert "900 coins" in sent["is placed"].body
    assert "Tracking number: DHL-123456" in sent["is on its way"].body
    assert "<strong>DHL-123456</strong>" in (sent["is on its way"].html or "")
    assert f"http://localhost/orders/{code}" in sent["is placed"].body
    assert "/settings#emails" in sent["is placed"].body
    rows = db.session.execute(select(OutboundMail.status)).scalars()
    assert set(rows) == {"sent"}


def placed_member_email(order) -> str:
    from app.models.users import User

    return db.session.get(User, order.user_id).email


def test_a_cancellation_mail_names_the_coins_released_and_the_discount(
    app, admin, member, make_product
):
    promo_codes.create_code({"code": "TEN", "kind": "fixed", "value": 10}, admin_id=admin.id)
    with transaction():
        ledger.award_step_coins(member.id, date(2026, 11, 20), 500)
    db.session.add(UserAddress(user_id=member.id, is_default=True, **HOME))
    db.session.commit()
    product = make_product("Cap", coin_price=100)
    order = orders.place_order(member.id, [(product.id, 1)], promo_code="TEN", now=NOW)
    orders.cancel_by_member(member.id, order.order_code, now=NOW)

    sent = {m.subject.rsplit(" ", 1)[-1]: m for m in mails_about(order.order_code)}
    placed_mail, cancelled = sent["placed"], sent["cancelled"]

    assert "Promo code TEN  -10 coins" in placed_mail.body
    assert "Total  90 coins" in placed_mail.body
    assert "90 coins are back in your wallet" in cancelled.body


def test_a_member_who_turned_them_off_gets_no_email_but_still_the_notification(
    app, admin, member, placed
):
    mail.outbox().clear()
    profile.set_order_emails(member, enabled=False)

    orders.change_status(placed.order_code, "cancelled", admin_id=admin.id, now=NOW)

    assert mails_about(placed.order_code) == []
    titles = db.session.execute(
        select(Notification.title).where(Notification.user_id == member.id)
    ).scalars()
    assert f"Order {placed.order_code} is cancelled" in list(titles)


def test_a_change_that_rolls_back_sends_nothing(app, admin, placed):
    mail.outbox().clear()

    with pytest.raises(RuntimeError), transaction():
        orders.change_status(placed.order_code, "cancelled", admin_id=admin.id, now=NOW)
        raise RuntimeError("something later in the same transaction failed")

    assert mails_about(placed.order_code) == []
    assert db.session.execute(select(OutboundMail.kind)).scalars().all() == ["order_placed"]


def test_a_mail_server_failure_never_breaks_the_admin_action_and_the_job_sends_it_later(
    app, admin, placed, monkeypatch
):
    mail.outbox()  # the placed mail has gone
    real_send = mail.send

    def refuse(*args, **kwargs):
        raise mail.MailNotSent("connection refused")

    monkeypatch.setattr(mail, "send", refuse)

    shipped = orders.change_status(placed.order_code, "processing", admin_id=admin.id, now=NOW)
    orders.change_status(
        placed.order_code, "shipped", admin_id=admin.id, tracking_number="TRK-9", now=NOW
    )
    mail.outbox()

    assert shipped.status == "shipped"
    waiting = db.session.execute(
        select(OutboundMail).where(OutboundMail.kind == "order_shipped")
    ).scalar_one()
    assert (waiting.status, waiting.attempts) == ("pending", 1)
    assert "connection refused" in waiting.last_error
    assert outbox.counts()["pending"] == 1

    monkeypatch.setattr(mail, "send", real_send)
    result = run_job("mail_outbox", now=NOW + timedelta(hours=1))

    assert result.outcome == "success"
    assert result.details["sent"] == 1
    db.session.expire_all()
    assert db.session.get(OutboundMail, waiting.id).status == "sent"
    assert any(m.subject.endswith("is on its way") for m in mails_about(placed.order_code))


def test_the_job_gives_up_after_the_last_attempt(app, admin, placed, monkeypatch):
    mail.outbox()

    def server_down(*args, **kwargs):
        raise OSError("down")

    monkeypatch.setattr(mail, "send", server_down)
    orders.change_status(placed.order_code, "cancelled", admin_id=admin.id, now=NOW)
    mail.outbox()  # the first attempt, right after commit, failed

    for hour in range(outbox.MAX_ATTEMPTS - 1):
        result = run_job("mail_outbox", now=NOW + timedelta(hours=hour + 1))

    row = db.session.execute(
        select(OutboundMail).where(OutboundMail.kind == "order_cancelled")
    ).scalar_one()
    db.session.refresh(row)
    assert (row.status, row.attempts) == ("failed", outbox.MAX_ATTEMPTS)
    assert result.details["gave_up"] == 1
    again = run_job("mail_outbox", now=NOW + timedelta(days=1))
    assert again.details["attempted"] == 0


def test_a_mail_is_claimed_before_it_is_sent_so_it_goes_once(app, placed):
    mail.outbox()
    row = db.session.execute(select(OutboundMail)).scalar_one()
    sent_before = len(mail.outbox())

    assert outbox.deliver(row.id) == "skipped"  # sent after commit already
    assert len(mail.outbox()) == sent_before


def test_the_jobs_page_shows_the_outbox(app, admin, placed):
    from tests.admin.conftest import sign_in

    client = sign_in(app.test_client(), admin.email)
    mail.outbox()

    page = client.get("/admin/jobs").get_data(as_text=True)

    assert "mail_outbox" in page and 'id="mail-outbox"' in page
    assert 'data-outbox="sent">1<' in page


def test_deleting_the_account_drops_its_queued_mail_and_mails_no_cancellation(app, member, placed):
    from tests.fixtures.factories import PASSWORD

    mail.outbox().clear()

    profile.delete_account(member, PASSWORD, now=NOW)

    assert mails_about(placed.order_code) == []
    assert db.session.execute(select(OutboundMail)).first() is None
