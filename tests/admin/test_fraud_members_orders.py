"""Fraud queue, members and orders pages: each action's effect on the ledger and the audit log."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from app.coins import ledger
from app.core.db import transaction
from app.extensions import db
from app.models.admin import AdminLog
from app.models.orders import Order
from app.models.steps import StepValidation
from app.models.users import RefreshToken, User
from app.models.wallet import Wallet
from app.orders import orders
from tests.fixtures.sign_in import csrf_token
from tests.fraud.test_review import flag_a_day

ADDRESS = {"line1": "1 Main St", "city": "Lagos", "country": "NG"}


def balance(user_id: int) -> tuple[int, int]:
    db.session.expire_all()
    w = db.session.execute(select(Wallet).where(Wallet.user_id == user_id)).scalar_one()
    return w.available_coins, w.frozen_coins


def actions(user_id: int | None = None) -> list[str]:
    return list(db.session.execute(select(AdminLog.action).order_by(AdminLog.id)).scalars())


def test_queue_lists_open_cases_with_their_reasons(admin_client, member):
    flag_a_day(member)
    page = admin_client.get("/admin/fraud").get_data(as_text=True)
    assert member.full_name in page
    assert "manual_entry" in page
    assert 'id="queue-count">1<' in page


def test_queue_filter_answers_just_the_table_to_htmx(admin_client, member):
    flag_a_day(member)
    answer = admin_client.get(
        "/admin/fraud?member=nobody", headers={"HX-Request": "true", "HX-Target": "queue"}
    )
    html = answer.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="queue">')
    assert "Nothing to review" in html


def test_evidence_expands_with_reasons_and_chart(admin_client, member):
    case = flag_a_day(member)
    html = admin_client.get(f"/admin/fraud/{case.id}", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert "typed in by hand" in html or "manual" in html
    assert 'class="evidence-chart"' in html
    full = admin_client.get(f"/admin/fraud/{case.id}")
    assert full.status_code == 200 and "<html" in full.get_data(as_text=True)


def test_approve_by_htmx_removes_the_row_and_pays(admin_client, member):
    case = flag_a_day(member, 9_050)
    token = csrf_token(admin_client, "/admin/fraud")
    answer = admin_client.post(
        f"/admin/fraud/{case.id}/approve",
        data={"csrf_token": token},
        headers={"HX-Request": "true"},
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert f'id="case-{case.id}"' in html and "90 coins" in html
    assert 'id="queue-count" hx-swap-oob="innerHTML">0<' in html
    assert balance(member.id) == (90, 0)
    assert actions() == ["fraud.approve"]


def test_reject_without_a_note_is_refused_and_changes_nothing(admin_client, member):
    case = flag_a_day(member)
    token = csrf_token(admin_client, "/admin/fraud")
    answer = admin_client.post(
        f"/admin/fraud/{case.id}/reject",
        data={"csrf_token": token, "note": ""},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 422
    assert "member reads" in answer.get_data(as_text=True)
    assert db.session.get(StepValidation, case.id).status == "pending"


def test_second_admin_is_told_the_day_was_already_reviewed(admin_client, member):
    case = flag_a_day(member)
    token = csrf_token(admin_client, "/admin/fraud")
    admin_client.post(f"/admin/fraud/{case.id}/approve", data={"csrf_token": token})
    again = admin_client.post(
        f"/admin/fraud/{case.id}/reject",
        data={"csrf_token": token, "note": "x"},
        headers={"HX-Request": "true"},
    )
    assert again.status_code == 409
    assert "already approved" in again.get_data(as_text=True)


def test_bulk_reject_without_javascript(admin_client, member, make_member):
    first, second = flag_a_day(member), flag_a_day(make_member())
    token = csrf_token(admin_client, "/admin/fraud")
    answer = admin_client.post(
        "/admin/fraud/bulk",
        data={
            "csrf_token": token,
            "ids": [first.id, second.id],
            "action": "reject",
            "note": "bots",
        },
        follow_redirects=True,
    )
    assert "2 day(s) rejected" in answer.get_data(as_text=True)
    assert actions() == ["fraud.reject", "fraud.reject"]


def test_member_search_and_detail(admin_client, member):
    listing = admin_client.get(f"/admin/users?q={member.referral_code}").get_data(as_text=True)
    assert member.email in listing
    detail = admin_client.get(f"/admin/users/{member.id}")
    assert detail.status_code == 200
    assert member.referral_code in detail.get_data(as_text=True)
    missing = admin_client.get("/admin/users/99999")
    assert missing.status_code == 404
    assert "No such member" in missing.get_data(as_text=True)


def test_ban_revokes_tokens_and_is_audited_and_restore_works(admin_client, client, member):
    client.post(
        "/api/v1/auth/login", json={"email": member.email, "password": "correct-horse-battery"}
    )
    token = csrf_token(admin_client, f"/admin/users/{member.id}")
    refused = admin_client.post(
        f"/admin/users/{member.id}/status", data={"csrf_token": token, "status": "banned"}
    )
    assert refused.status_code == 302
    assert db.session.get(User, member.id).status == "active"  # a reason is required
    admin_client.post(
        f"/admin/users/{member.id}/status",
        data={"csrf_token": token, "status": "banned", "reason": "shaker device"},
    )
    db.session.expire_all()
    assert db.session.get(User, member.id).status == "banned"
    tokens = db.session.execute(select(RefreshToken)).scalars().all()
    assert tokens and all(t.revoked_at is not None for t in tokens)
    admin_client.post(
        f"/admin/users/{member.id}/status", data={"csrf_token": token, "status": "active"}
    )
    db.session.expire_all()
    assert db.session.get(User, member.id).status == "active"
    assert actions() == ["user.banned", "user.restore"]


def test_coin_adjustment_goes_through_the_ledger_and_is_audited(admin_client, member, admin):
    token = csrf_token(admin_client, f"/admin/users/{member.id}")
    admin_client.post(
        f"/admin/users/{member.id}/adjust",
        data={"csrf_token": token, "amount": "75", "reason": "outage goodwill"},
    )
    assert balance(member.id) == (75, 0)
    totals = ledger.ledger_totals(member.id)
    assert totals.available == 75
    log = db.session.execute(select(AdminLog)).scalar_one()
    assert (log.action, log.admin_id, log.before, log.after) == (
        "wallet.adjust",
        admin.id,
        {"available_coins": 0},
        {"available_coins": 75},
    )
    bad = admin_client.post(
        f"/admin/users/{member.id}/adjust",
        data={"csrf_token": token, "amount": "-500", "reason": "too much"},
    )
    assert bad.status_code == 422
    assert "you can take away at most 75" in bad.get_data(as_text=True)
    assert balance(member.id) == (75, 0)


@pytest.mark.parametrize(
    "amount", ["+999999999", "-999999999", "1000001", "0", "1_000", "\u0665\u0660"]
)
def test_coin_adjustment_outside_the_range_is_a_form_error_next_to_the_amount(
    admin_client, member, amount
):
    token = csrf_token(admin_client, f"/admin/users/{member.id}")
    answer = admin_client.post(
        f"/admin/users/{member.id}/adjust",
        data={"csrf_token": token, "amount": amount, "reason": "typo test"},
    )

    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="amount-error"' in html and "from -1,000,000 to +1,000,000" in html
    assert 'value="typo test"' in html
    assert balance(member.id) == (0, 0)


def test_coin_adjustment_may_take_away_exactly_what_is_available(admin_client, member):
    token = csrf_token(admin_client, f"/admin/users/{member.id}")
    for amount in ("+1,000,000", "-1000000"):
        answer = admin_client.post(
            f"/admin/users/{member.id}/adjust",
            data={"csrf_token": token, "amount": amount, "reason": "bounds"},
        )
        assert answer.status_code == 302
    assert balance(member.id) == (0, 0)


def _order_for(member, make_product) -> Order:
    product = make_product(coin_price=200, stock_quantity=3)
    with transaction():
        ledger.award_step_coins(member.id, date(2026, 1, 1), 500)
    return orders.place_order(member.id, [(product.id, 1)], shipping_address=ADDRESS)


def test_order_flow_from_the_admin_pages(admin_client, member, make_product):
    order = _order_for(member, make_product)
    code = order.order_code
    token = csrf_token(admin_client, f"/admin/orders/{code}")
    admin_client.post(
        f"/admin/orders/{code}/status", data={"csrf_token": token, "status": "processing"}
    )
    no_tracking = admin_client.post(
        f"/admin/orders/{code}/status",
        data={"csrf_token": token, "status": "shipped"},
        follow_redirects=True,
    )
    assert "tracking number" in no_tracking.get_data(as_text=True)
    admin_client.post(
        f"/admin/orders/{code}/status",
        data={"csrf_token": token, "status": "shipped", "tracking_number": "DHL123"},
    )
    assert balance(member.id) == (300, 0)
    invalid = admin_client.post(
        f"/admin/orders/{code}/status",
        data={"csrf_token": token, "status": "cancelled"},
        follow_redirects=True,
    )
    assert "cannot become cancelled" in invalid.get_data(as_text=True)
    admin_client.post(
        f"/admin/orders/{code}/status", data={"csrf_token": token, "status": "refunded"}
    )
    assert balance(member.id) == (500, 0)
    assert actions() == ["order.processing", "order.shipped", "order.refunded"]


def test_packing_list_has_the_processing_orders(admin_client, member, make_product):
    order = _order_for(member, make_product)
    orders.change_status(order.order_code, "processing", admin_id=None)
    answer = admin_client.get("/admin/orders/packing-list.csv")
    assert answer.mimetype == "text/csv"
    lines = answer.get_data(as_text=True).strip().splitlines()
    assert lines[0].startswith("order_code,recipient_name,line1")
    assert lines[1].startswith(order.order_code) and "Lagos" in lines[1]


def test_packing_list_defuses_address_fields_a_spreadsheet_would_run(
    admin_client, member, make_product
):
    product = make_product(title="@SUM(A1:A9)", coin_price=200, stock_quantity=3)
    with transaction():
        ledger.award_step_coins(member.id, date(2026, 1, 1), 500)
    hostile = {
        "recipient_name": '=HYPERLINK("http://evil.example","x")',
        "line1": "+1 Main St",
        "line2": "-2+3",
        "city": "@Lagos",
        "country": "NG",
    }
    order = orders.place_order(member.id, [(product.id, 1)], shipping_address=hostile)
    orders.change_status(order.order_code, "processing", admin_id=None)

    answer = admin_client.get("/admin/orders/packing-list.csv")

    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert rows[0]["recipient_name"] == "'" + hostile["recipient_name"]
    assert rows[0]["line1"] == "'+1 Main St"
    assert rows[0]["line2"] == "'-2+3"
    assert rows[0]["city"] == "'@Lagos"
    assert rows[0]["product"] == "'@SUM(A1:A9)"
    assert rows[0]["quantity"] == "1"


def test_orders_list_filters_by_status(admin_client, member, make_product):
    order = _order_for(member, make_product)
    assert order.order_code in admin_client.get("/admin/orders?status=pending").get_data(
        as_text=True
    )
    assert order.order_code not in admin_client.get("/admin/orders?status=shipped").get_data(
        as_text=True
    )


def test_overview_shows_queue_and_orders_waiting(admin_client, member, make_product):
    flag_a_day(member)
    order = _order_for(member, make_product)
    orders.change_status(order.order_code, "processing", admin_id=None)
    html = admin_client.get("/admin").get_data(as_text=True)
    assert "Fraud queue" in html and ">1<" in html
    assert "has not run yet" in html


def test_resend_password_reset_mails_a_link_and_is_audited(admin_client, member):
    from app.core import mail

    token = csrf_token(admin_client, f"/admin/users/{member.id}")
    admin_client.post(f"/admin/users/{member.id}/password-reset", data={"csrf_token": token})
    sent = [m for m in mail.outbox() if m.to == member.email]
    assert sent and "/password/reset/" in sent[-1].body
    assert actions() == ["user.password_reset_sent"]
