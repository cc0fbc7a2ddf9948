"""The shop funnel on /admin/analytics, built from the events a member's visit records."""

from __future__ import annotations

from app.backoffice import events
from app.coins import ledger
from app.core import background
from app.core.db import transaction
from app.extensions import db
from app.models.base import utcnow
from app.models.users import UserAddress


def test_a_members_shop_visit_shows_in_the_funnel(
    app, admin_client, member_client, member, make_product
):
    db.session.add(
        UserAddress(
            user_id=member.id, line1="1 Main St", city="Berlin", country="DE", is_default=True
        )
    )
    db.session.commit()
    with transaction():
        ledger.award_step_coins(member.id, utcnow().date(), 2000)
    mat = make_product("Mat", coin_price=500)
    token = member_client.csrf
    assert member_client.get(f"/rewards/{mat.id}").status_code == 200
    member_client.post(f"/cart/add/{mat.id}", data={"csrf_token": token, "quantity": "1"})
    assert member_client.get("/checkout").status_code == 200
    placed = member_client.post("/checkout", data={"csrf_token": token})
    assert placed.status_code == 302 and "/orders/FK-" in placed.headers["Location"]
    member_client.post(f"/wishlist/{make_product().id}/goal", data={"csrf_token": token})
    events.flush()
    background.drain(app)

    funnel = events.shop_funnel(utcnow().date(), utcnow().date())
    assert [s.members for s in funnel.steps] == [1, 1, 1, 1] and funnel.goals_set == 1
    page = admin_client.get("/admin/analytics").get_data(as_text=True)
    assert 'id="shop-funnel"' in page and "Placed an order" in page and "100.0%" in page
