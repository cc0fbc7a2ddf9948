"""Wishlists and the saving goal: coins to go, days to go, and the notices members get."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.catalog import manage, wishlist
from app.catalog.shopify import ShopifyClient, sync_catalogue
from app.coins import ledger
from app.core.db import transaction
from app.core.errors import NotFound, ValidationFailed
from app.extensions import db
from app.models.base import utcnow
from app.models.catalog import RewardProduct
from app.models.notifications import Notification
from app.models.users import UserAddress
from app.orders import orders
from tests.jobs.fake_shopify import TOKEN, FakeShopify, product


def give(user_id: int, coins: int, day: date = date(2026, 11, 20)) -> None:
    with transaction():
        ledger.award_step_coins(user_id, day, ledger.step_coins_awarded(user_id, day) + coins)


def notices(user_id: int, kind: str) -> list[str]:
    return list(
        db.session.execute(
            select(Notification.title)
            .where(Notification.user_id == user_id, Notification.kind == kind)
            .order_by(Notification.id)
        ).scalars()
    )


def test_a_wished_reward_is_listed_once_and_can_be_removed(member, make_product):
    bottle = make_product("Bottle")
    assert wishlist.add(member.id, bottle.id) is True
    assert wishlist.add(member.id, bottle.id) is False
    assert [w.product.title for w in wishlist.items(member.id)] == ["Bottle"]
    wishlist.remove(member.id, bottle.id)
    assert wishlist.items(member.id) == []
    with pytest.raises(NotFound):
        wishlist.remove(member.id, bottle.id)


def test_an_inactive_or_missing_reward_cannot_be_wished_for(member, make_product):
    hidden = make_product("Hidden", is_active=False)
    with pytest.raises(NotFound):
        wishlist.add(member.id, hidden.id)
    with pytest.raises(NotFound):
        wishlist.add(member.id, 999_999)


def test_the_wishlist_has_a_size_limit(member, make_product, monkeypatch):
    monkeypatch.setattr(wishlist, "MAX_ITEMS", 2)
    first, second, third = (make_product() for _ in range(3))
    wishlist.add(member.id, first.id)
    wishlist.add(member.id, second.id)
    with pytest.raises(ValidationFailed):
        wishlist.add(member.id, third.id)


def test_the_goal_shows_coins_to_go_and_days_from_recent_earning(member, make_product):
    earbuds = make_product("Earbuds", coin_price=1000)
    now = utcnow()
    with transaction():
        # 280 coins over the last fortnight: 20 a day. An old award does not count.
        ledger.award_step_coins(member.id, date(2026, 1, 1), 500, now=now - timedelta(days=30))
        ledger.award_step_coins(member.id, date(2026, 11, 25), 280, now=now - timedelta(days=2))
    goal = wishlist.set_goal(member.id, earbuds.id, now=now)
    assert goal is not None
    assert (goal.available, goal.to_go, goal.daily_average) == (780, 220, 20.0)
    assert goal.days_left == 11
    assert [w.is_goal for w in wishlist.items(member.id)] == [True]  # it joined the wishlist


def test_a_member_who_earned_nothing_lately_gets_no_day_estimate(member, make_product):
    goal = wishlist.set_goal(member.id, make_product(coin_price=100).id)
    assert goal is not None and goal.daily_average == 0 and goal.days_left is None


def test_an_affordable_goal_says_so(member, make_product):
    give(member.id, 600)
    goal = wishlist.set_goal(member.id, make_product(coin_price=500).id)
    assert goal is not None and goal.affordable and goal.days_left == 0 and goal.to_go == 0


def test_the_goal_notice_comes_once_per_crossing_not_on_every_sync(member, make_product):
    address = UserAddress(user_id=member.id, line1="1 Main St", city="Berlin", country="DE")
    db.session.add(address)
    db.session.commit()
    mat = make_product("Mat", coin_price=500, stock_quantity=5)
    wishlist.set_goal(member.id, mat.id)
    give(member.id, 300)
    assert notices(member.id, "goal") == []
    give(member.id, 300)  # 600 ≥ 500: crossed
    give(member.id, 50)  # still above: no second notice
    assert notices(member.id, "goal") == ["Your goal is within reach"]
    orders.place_order(member.id, [(mat.id, 1)], address_id=address.id)  # 150 left
    give(member.id, 400)  # crossed again
    assert len(notices(member.id, "goal")) == 2


def test_choosing_an_already_affordable_goal_sends_no_notice(member, make_product):
    give(member.id, 1000)
    wishlist.set_goal(member.id, make_product(coin_price=500).id)
    give(member.id, 10)
    assert notices(member.id, "goal") == []


def test_a_price_cut_that_makes_the_goal_affordable_notifies(member, admin, make_product):
    give(member.id, 400)
    mat = make_product("Mat", coin_price=500)
    wishlist.set_goal(member.id, mat.id)
    manage.update_product(
        mat.id,
        {"title": "Mat", "category": "Gear", "coin_price": 350, "stock_quantity": 10},
        admin_id=admin.id,
    )
    assert notices(member.id, "goal") == ["Your goal is within reach"]
    assert notices(member.id, "wishlist") == ["“Mat” now costs 350 coins"]


def test_clearing_or_removing_the_goal_forgets_it(member, make_product):
    mat = make_product()
    wishlist.set_goal(member.id, mat.id)
    wishlist.clear_goal(member.id)
    assert wishlist.progress(member.id) is None
    with pytest.raises(NotFound):
        wishlist.clear_goal(member.id)
    wishlist.set_goal(member.id, mat.id)
    wishlist.remove(member.id, mat.id)
    assert wishlist.progress(member.id) is None


def test_wishers_hear_when_an_admin_restocks_a_sold_out_reward(
    member, make_member, admin, make_product
):
    other = make_member()
    lamp = make_product("Lamp", coin_price=300, stock_quantity=0)
    wishlist.add(member.id, lamp.id)
    manage.update_product(
        lamp.id,
        {"title": "Lamp", "category": "Gear", "coin_price": 300, "stock_quantity": 4},
        admin_id=admin.id,
    )
    assert notices(member.id, "wishlist") == ["“Lamp” is back in stock"]
    assert notices(other.id, "wishlist") == []
    manage.update_product(  # more stock on top of some: not "back"
        lamp.id,
        {"title": "Lamp", "category": "Gear", "coin_price": 300, "stock_quantity": 9},
        admin_id=admin.id,
    )
    assert len(notices(member.id, "wishlist")) == 1


def test_a_cancelled_order_that_restocks_a_sold_out_reward_tells_wishers(
    member, make_member, make_product
):
    buyer = make_member()
    address = UserAddress(user_id=buyer.id, line1="1 Main St", city="Berlin", country="DE")
    db.session.add(address)
    db.session.commit()
    give(buyer.id, 1000)
    last = make_product("Last One", coin_price=200, stock_quantity=1)
    wishlist.add(member.id, last.id)
    order = orders.place_order(buyer.id, [(last.id, 1)], address_id=address.id)
    assert notices(member.id, "wishlist") == []
    orders.cancel_by_member(buyer.id, order.order_code)
    assert notices(member.id, "wishlist") == ["“Last One” is back in stock"]


def test_the_shopify_sync_tells_wishers_of_a_new_price(member, app):
    shop = FakeShopify().start()
    try:
        row = RewardProduct(
            title="Socks", category="Gear", coin_price=600, stock_quantity=9, shopify_product_id="2"
        )
        db.session.add(row)
        db.session.commit()
        wishlist.add(member.id, row.id)
        shop.products = [product(2, "Socks", "7.25", stock=9)]
        sync_catalogue(ShopifyClient(shop.url, TOKEN, sleep=lambda _: None, timeout=5))
    finally:
        shop.stop()
    assert notices(member.id, "wishlist") == ["“Socks” now costs 730 coins"]


def test_demand_counts_wishers_and_savers(member, make_member, make_product):
    mat = make_product()
    wishlist.add(member.id, mat.id)
    wishlist.set_goal(make_member().id, mat.id)
    assert wishlist.demand(mat.id) == wishlist.Demand(wishers=2, goals=1)
