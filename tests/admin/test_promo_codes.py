"""/admin/promo-codes: the list with usage, creating (errors next to the fields), pausing;
/admin/analytics' promo-code numbers."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.backoffice import analytics
from app.coins import ledger
from app.core.db import transaction
from app.extensions import db
from app.models.admin import AdminLog
from app.models.promotions import PromoCode
from app.models.users import UserAddress
from app.orders import orders, promo_codes
from tests.admin.conftest import csrf_token

NOW = datetime.now(UTC)


def form(**changes: str) -> dict[str, str]:
    return {
        "code": "SPRING-25",
        "kind": "percent",
        "value": "25",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-31",
        "max_uses": "100",
        "max_uses_per_member": "1",
        "min_order_coins": "500",
        **changes,
    }


def test_an_admin_creates_a_code_and_sees_it_in_the_list(app, admin_client):
    token = csrf_token(admin_client, "/admin/promo-codes/new")

    answer = admin_client.post("/admin/promo-codes/new", data={**form(), "csrf_token": token})

    assert answer.status_code == 302
    promo = db.session.execute(select(PromoCode)).scalar_one()
    assert (promo.code, promo.kind, promo.value, promo.min_order_coins) == (
        "SPRING-25",
        "percent",
        25,
        500,
    )
    assert promo.ends_at == datetime(2027, 1, 1, tzinfo=UTC)  # the end day is included
    listing = admin_client.get("/admin/promo-codes").get_data(as_text=True)
    assert "SPRING-25" in listing and "25% off" in listing and "2026-12-31" in listing
    assert db.session.execute(
        select(AdminLog).where(AdminLog.action == "promo_code.create")
    ).scalar_one()


def test_bad_values_come_back_next_to_their_fields(app, admin_client):
    token = csrf_token(admin_client, "/admin/promo-codes/new")
    data = form(code="a b", value="150", ends_on="2026-11-01", max_uses="0")

    answer = admin_client.post("/admin/promo-codes/new", data={**data, "csrf_token": token})

    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    for field in ("code", "value", "ends_on", "max_uses"):
        assert f'id="{field}-error"' in html, field
    assert db.session.execute(select(PromoCode)).first() is None


def test_pausing_and_resuming_a_code_is_audited(app, admin, admin_client):
    promo = promo_codes.create_code(
        {"code": "PAUSE", "kind": "coins", "value": 5}, admin_id=admin.id
    )
    token = csrf_token(admin_client, "/admin/promo-codes")

    paused = admin_client.post(
        f"/admin/promo-codes/{promo.id}/active", data={"active": "0", "csrf_token": token}
    )
    listing = admin_client.get("/admin/promo-codes").get_data(as_text=True)
    admin_client.post(
        f"/admin/promo-codes/{promo.id}/active", data={"active": "1", "csrf_token": token}
    )

    assert paused.status_code == 302
    assert "<mark>paused</mark>" in listing and "Resume" in listing
    actions = db.session.execute(
        select(AdminLog.action).where(AdminLog.entity_id == "PAUSE").order_by(AdminLog.id)
    ).scalars()
    assert list(actions) == ["promo_code.create", "promo_code.pause", "promo_code.resume"]


def test_members_cannot_reach_the_promo_code_pages(app, member_client):
    assert member_client.get("/admin/promo-codes").status_code == 403
    assert member_client.get("/admin/promo-codes/new").status_code == 403


def test_analytics_count_redemptions_and_the_coins_codes_granted(
    app, admin, admin_client, make_member
):
    promo_codes.create_code({"code": "GIFT", "kind": "coins", "value": 70}, admin_id=admin.id)
    for _ in range(3):
        promo_codes.redeem_coins(make_member().id, "GIFT")

    report = analytics.analytics(NOW.date(), NOW.date())
    page = admin_client.get("/admin/analytics").get_data(as_text=True)

    assert (report.promo.redemptions, report.promo.coins_granted) == (3, 210)
    assert (report.promo.discount_orders, report.promo.coins_off_orders) == (0, 0)
    assert 'data-metric="promo_coins_granted">210<' in page
    assert report.coins.issued == 0  # step, achievement and referral coins only


def test_the_admin_order_page_names_the_code_and_the_coins_it_took_off(
    app, admin, admin_client, member, make_product
):
    promo_codes.create_code({"code": "HALF", "kind": "percent", "value": 50}, admin_id=admin.id)
    with transaction():
        ledger.adjust_by_admin(member.id, 1000, "funds", admin_id=admin.id)
    db.session.add(
        UserAddress(user_id=member.id, is_default=True, line1="1 Way", city="Oslo", country="NO")
    )
    db.session.commit()
    order = orders.place_order(member.id, [(make_product(coin_price=300).id, 1)], promo_code="HALF")

    page = admin_client.get(f"/admin/orders/{order.order_code}").get_data(as_text=True)

    assert "150 coins" in page and "<code>HALF</code>: \u2212150 of 300" in page
