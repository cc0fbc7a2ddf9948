"""Promo codes: coin grants through the ledger, discounts frozen as the discounted total,
every rule refused with its own reason, and the last use won by exactly one of many."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.coins import ledger, reconciliation
from app.core.db import transaction
from app.core.errors import Conflict, ValidationFailed
from app.extensions import db
from app.models.admin import AdminLog
from app.models.promotions import PromoCode, PromoRedemption
from app.models.users import UserAddress
from app.models.wallet import CoinTransaction, Wallet
from app.orders import orders, promo_codes
from app.orders.promo_codes import PromoCodeRejected

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DAY = date(2026, 11, 20)
HOME = {"recipient_name": "Mia Member", "line1": "1 Main Street", "city": "Berlin", "country": "DE"}


def give(user_id: int, coins: int, day: date = DAY) -> None:
    with transaction():
        ledger.award_step_coins(user_id, day, coins)


def with_address(user_id: int) -> None:
    db.session.add(UserAddress(user_id=user_id, is_default=True, **HOME))
    db.session.commit()


def make_code(admin_id: int, **values: Any) -> PromoCode:
    defaults: dict[str, Any] = {"code": "WELCOME", "kind": "coins", "value": 250}
    return promo_codes.create_code({**defaults, **values}, admin_id=admin_id)


def wallet_of(user_id: int) -> Wallet:
    db.session.expire_all()
    return db.session.execute(select(Wallet).where(Wallet.user_id == user_id)).scalar_one()


def order_for(user_id: int, product_id: int, quantity: int = 1, **kwargs: Any):
    return orders.place_order(user_id, [(product_id, quantity)], now=NOW, **kwargs)


# --- coin codes --------------------------------------------------------------------------


def test_a_coin_code_credits_the_wallet_through_the_ledger_with_the_code_as_reference(
    app, admin, member
):
    make_code(admin.id, code="welcome-250")

    promo_codes.redeem_coins(member.id, " Welcome-250 ", now=NOW)

    row = db.session.execute(
        select(CoinTransaction).where(CoinTransaction.user_id == member.id)
    ).scalar_one()
    assert (row.transaction_type, row.amount, row.frozen_change) == ("promo_credit", 250, 0)
    assert (row.reference_type, row.reference_id) == ("promo_code", "WELCOME-250")
    assert "WELCOME-250" in row.description
    wallet = wallet_of(member.id)
    assert (wallet.available_coins, wallet.lifetime_earned) == (250, 250)
    assert ledger.ledger_totals(member.id).earned == 250
    assert reconciliation.find_wallet_drift().drift == []


def test_redeeming_is_audited_with_the_member_and_the_coins(app, admin, member):
    make_code(admin.id)

    promo_codes.redeem_coins(member.id, "WELCOME", now=NOW)

    entry = db.session.execute(
        select(AdminLog).where(AdminLog.action == "promo_code.redeem")
    ).scalar_one()
    assert entry.entity_id == "WELCOME"
    assert entry.after == {"user_id": member.id, "coins": 250}


def test_a_member_cannot_redeem_a_code_past_the_per_member_limit(app, admin, member):
    make_code(admin.id, max_uses_per_member=2)
    promo_codes.redeem_coins(member.id, "WELCOME", now=NOW)
    promo_codes.redeem_coins(member.id, "WELCOME", now=NOW)

    with pytest.raises(PromoCodeRejected) as refused:
        promo_codes.redeem_coins(member.id, "WELCOME", now=NOW)

    assert refused.value.reason == "member_limit"
    assert refused.value.status == 422
    assert wallet_of(member.id).available_coins == 500


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"starts_at": NOW + timedelta(hours=1)}, "not_started"),
        ({"ends_at": NOW}, "expired"),
        ({"ends_at": NOW - timedelta(days=1)}, "expired"),
    ],
)
def test_a_code_outside_its_dates_is_refused_with_the_reason(app, admin, member, values, reason):
    make_code(admin.id, **values)

    with pytest.raises(PromoCodeRejected) as refused:
        promo_codes.redeem_coins(member.id, "WELCOME", now=NOW)

    assert refused.value.reason == reason
    assert refused.value.code == f"promo_code_{reason}"
    assert refused.value.details[0]["field"] == "code"


def test_an_unknown_code_and_a_paused_code_are_refused(app, admin, member):
    promo = make_code(admin.id)
    promo_codes.set_active(promo.id, False, admin_id=admin.id)

    with pytest.raises(PromoCodeRejected) as unknown:
        promo_codes.redeem_coins(member.id, "NOPE", now=NOW)
    with pytest.raises(PromoCodeRejected) as paused:
        promo_codes.redeem_coins(member.id, "WELCOME", now=NOW)

    assert (unknown.value.reason, paused.value.reason) == ("unknown", "paused")
    promo_codes.set_active(promo.id, True, admin_id=admin.id)
    promo_codes.redeem_coins(member.id, "WELCOME", now=NOW)
    actions = db.session.execute(
        select(AdminLog.action).where(AdminLog.entity_type == "promo_code").order_by(AdminLog.id)
    ).scalars()
    assert list(actions) == [
        "promo_code.create",
        "promo_code.pause",
        "promo_code.resume",
        "promo_code.redeem",
    ]


def test_a_used_up_code_is_refused(app, admin, make_member):
    make_code(admin.id, max_uses=1)
    first, second = make_member(), make_member()
    promo_codes.redeem_coins(first.id, "WELCOME", now=NOW)

    with pytest.raises(PromoCodeRejected) as refused:
        promo_codes.redeem_coins(second.id, "WELCOME", now=NOW)

    assert refused.value.reason == "used_up"
    assert db.session.get(PromoCode, 1).times_used == 1


def test_a_discount_code_cannot_be_redeemed_for_coins_nor_a_coin_code_used_at_checkout(
    app, admin, member, make_product
):
    make_code(admin.id, code="TENOFF", kind="percent", value=10)
    make_code(admin.id, code="FREECOINS")
    give(member.id, 1000)
    with_address(member.id)
    product = make_product(coin_price=500)

    with pytest.raises(PromoCodeRejected) as at_wallet:
        promo_codes.redeem_coins(member.id, "TENOFF", now=NOW)
    with pytest.raises(PromoCodeRejected) as at_checkout:
        order_for(member.id, product.id, promo_code="FREECOINS")

    assert at_wallet.value.reason == at_checkout.value.reason == "wrong_kind"
    assert wallet_of(member.id).available_coins == 1000


# --- discount codes ------------------------------------------------------------------------


def test_a_percentage_code_freezes_the_discounted_total_and_cancelling_releases_exactly_that(
    app, admin, member, make_product
):
    make_code(admin.id, code="TENOFF", kind="percent", value=10)
    give(member.id, 2000)
    with_address(member.id)
    product = make_product(coin_price=750)

    order = order_for(member.id, product.id, 2, promo_code="tenoff")

    assert order.total_coins == 1350  # 1,500 less 10%
    wallet = wallet_of(member.id)
    assert (wallet.available_coins, wallet.frozen_coins) == (650, 1350)
    freeze = db.session.execute(
        select(CoinTransaction).where(CoinTransaction.transaction_type == "order_freeze")
    ).scalar_one()
    assert freeze.frozen_change == 1350 and "promo code TENOFF" in freeze.description
    assert promo_codes.order_discount(order.id) == promo_codes.Discount("TENOFF", 150, 1500)

    orders.cancel_by_member(member.id, order.order_code, now=NOW)

    wallet = wallet_of(member.id)
    assert (wallet.available_coins, wallet.frozen_coins) == (2000, 0)
    assert reconciliation.find_wallet_drift().drift == []


def test_a_fixed_code_takes_its_coins_off_and_shipping_spends_the_discounted_total(
    app, admin, member, make_product
):
    make_code(admin.id, code="MINUS100", kind="fixed", value=100)
    give(member.id, 600)
    with_address(member.id)
    product = make_product(coin_price=600)

    order = order_for(member.id, product.id, promo_code="MINUS100")
    orders.change_status(order.order_code, "processing", admin_id=admin.id, now=NOW)
    orders.change_status(
        order.order_code, "shipped", admin_id=admin.id, tracking_number="TRK1", now=NOW
    )
    orders.change_status(order.order_code, "refunded", admin_id=admin.id, now=NOW)

    assert order.total_coins == 500
    wallet = wallet_of(member.id)
    assert (wallet.available_coins, wallet.frozen_coins, wallet.lifetime_spent) == (600, 0, 0)
    assert reconciliation.find_wallet_drift().drift == []


def test_a_discount_never_makes_an_order_free(app, admin, member, make_product):
    make_code(admin.id, code="BIG", kind="fixed", value=5000)
    give(member.id, 300)
    with_address(member.id)
    product = make_product(coin_price=300)

    order = order_for(member.id, product.id, promo_code="BIG")

    assert order.total_coins == 1
    assert wallet_of(member.id).frozen_coins == 1


def test_a_code_below_its_minimum_order_is_refused_and_nothing_is_held(
    app, admin, member, make_product
):
    make_code(admin.id, code="BIGBASKET", kind="fixed", value=100, min_order_coins=1000)
    give(member.id, 2000)
    with_address(member.id)
    product = make_product(coin_price=500, stock_quantity=5)

    with pytest.raises(PromoCodeRejected) as refused:
        order_for(member.id, product.id, promo_code="BIGBASKET")

    assert refused.value.reason == "below_minimum"
    assert "1,000 coins" in refused.value.message
    assert wallet_of(member.id).frozen_coins == 0
    db.session.expire_all()
    assert product.stock_quantity == 5
    assert db.session.get(PromoCode, 1).times_used == 0
    order = order_for(member.id, product.id, 2, promo_code="BIGBASKET")
    assert order.total_coins == 900


def test_a_first_order_code_is_refused_to_a_member_who_has_ordered(
    app, admin, member, make_product
):
    make_code(admin.id, code="FIRST", kind="percent", value=20, first_order_only=True)
    give(member.id, 3000)
    with_address(member.id)
    product = make_product(coin_price=500)
    cancelled = order_for(member.id, product.id)
    orders.cancel_by_member(member.id, cancelled.order_code, now=NOW)

    first = order_for(member.id, product.id, promo_code="FIRST")  # a cancelled one not counted
    with pytest.raises(PromoCodeRejected) as refused:
        promo_codes.preview_discount(member.id, "FIRST", 500, now=NOW)

    assert first.total_coins == 400
    assert refused.value.reason in ("not_first_order", "member_limit")
    make_code(admin.id, code="FIRST2", kind="percent", value=20, first_order_only=True)
    with pytest.raises(PromoCodeRejected) as second:
        order_for(member.id, product.id, promo_code="FIRST2")
    assert second.value.reason == "not_first_order"


def test_the_preview_says_what_a_code_takes_off_without_using_it(app, admin, member):
    make_code(admin.id, code="TENOFF", kind="percent", value=10, max_uses=1)

    preview = promo_codes.preview_discount(member.id, "TENOFF", 990, now=NOW)

    assert (preview.coins_off, preview.total) == (99, 891)
    assert db.session.get(PromoCode, 1).times_used == 0


# --- admin -------------------------------------------------------------------------------


def test_creating_a_code_names_every_bad_field(app, admin):
    with pytest.raises(ValidationFailed) as refused:
        promo_codes.create_code(
            {
                "code": "no spaces!",
                "kind": "percent",
                "value": 150,
                "starts_at": NOW,
                "ends_at": NOW - timedelta(days=1),
                "max_uses": 0,
            },
            admin_id=admin.id,
        )

    fields = {d["field"] for d in refused.value.details}
    assert fields == {"code", "value", "ends_at", "max_uses"}


def test_a_code_is_unique_whatever_its_case(app, admin):
    make_code(admin.id, code="spring")

    with pytest.raises(Conflict) as refused:
        make_code(admin.id, code="SPRING")

    assert refused.value.details[0]["field"] == "code"


def test_the_list_shows_usage_per_code(app, admin, make_member):
    make_code(admin.id, max_uses=5)
    for _ in range(3):
        promo_codes.redeem_coins(make_member().id, "WELCOME", now=NOW)

    (row,) = promo_codes.list_codes()

    assert (row.redemptions, row.coins, row.promo.uses_left) == (3, 750, 2)


# --- concurrency (PostgreSQL: the row lock; SQLite: the write lock) -------------------------

THREADS = 16


def _in_threads(app: Flask, work) -> list[BaseException | None]:
    outcomes: list[BaseException | None] = [None] * THREADS
    barrier = threading.Barrier(THREADS)

    def run(index: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                work(index)
            except BaseException as exc:  # collected for the test
                outcomes[index] = exc
            finally:
                db.session.remove()

    db.session.rollback()  # the test's own session lets go of SQLite's write lock
    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_sixteen_members_racing_for_the_last_use_of_a_coin_code_let_exactly_one_win(
    app, admin, make_member
):
    make_code(admin.id, max_uses=3)
    for _ in range(2):
        promo_codes.redeem_coins(make_member().id, "WELCOME", now=NOW)
    racers = [make_member().id for _ in range(THREADS)]

    outcomes = _in_threads(app, lambda i: promo_codes.redeem_coins(racers[i], "WELCOME", now=NOW))

    winners = [racers[i] for i, outcome in enumerate(outcomes) if outcome is None]
    assert len(winners) == 1
    losers = [o for o in outcomes if o is not None]
    assert all(isinstance(o, PromoCodeRejected) and o.reason == "used_up" for o in losers)
    db.session.expire_all()
    assert db.session.get(PromoCode, 1).times_used == 3
    credited = db.session.execute(
        select(CoinTransaction.user_id).where(
            CoinTransaction.transaction_type == "promo_credit",
            CoinTransaction.user_id.in_(racers),
        )
    ).scalars()
    assert list(credited) == winners
    assert reconciliation.find_wallet_drift().drift == []


def test_sixteen_checkouts_racing_for_the_last_use_of_a_discount_code_let_exactly_one_win(
    app, admin, make_member, make_product
):
    make_code(admin.id, code="LAST", kind="fixed", value=50, max_uses=1)
    product_id = make_product(coin_price=200, stock_quantity=THREADS).id
    racers = []
    for _ in range(THREADS):
        racer = make_member()
        give(racer.id, 200)
        with_address(racer.id)
        racers.append(racer.id)

    outcomes = _in_threads(app, lambda i: order_for(racers[i], product_id, promo_code="LAST"))

    assert sum(outcome is None for outcome in outcomes) == 1, outcomes
    assert all(isinstance(o, PromoCodeRejected) and o.reason == "used_up" for o in outcomes if o)
    redemptions = db.session.execute(select(func.count()).select_from(PromoRedemption))
    assert redemptions.scalar_one() == 1
    frozen = db.session.execute(select(func.sum(Wallet.frozen_coins))).scalar_one()
    assert frozen == 150
    assert reconciliation.find_wallet_drift().drift == []


def test_wallets_equal_the_ledger_after_discounted_orders_and_cancellations(
    app, admin, make_member, make_product
):
    make_code(admin.id, code="PCT", kind="percent", value=15, max_uses_per_member=10)
    make_code(admin.id, code="FIX", kind="fixed", value=70, max_uses_per_member=10)
    make_code(admin.id, code="GIFT", kind="coins", value=40, max_uses_per_member=10)
    product = make_product(coin_price=330, stock_quantity=500)
    members = [make_member().id for _ in range(3)]
    for user_id in members:
        give(user_id, 5000)
        with_address(user_id)
    placed = []
    for round_number in range(4):
        for index, user_id in enumerate(members):
            code = ("PCT", "FIX", None)[(round_number + index) % 3]
            order = order_for(user_id, product.id, 1 + round_number % 2, promo_code=code)
            placed.append(order.order_code)
            promo_codes.redeem_coins(user_id, "GIFT", now=NOW)
    for number, code in enumerate(placed):
        if number % 3 == 0:
            orders.change_status(code, "cancelled", admin_id=admin.id, now=NOW)
        elif number % 3 == 1:
            orders.change_status(code, "processing", admin_id=admin.id, now=NOW)
            orders.change_status(code, "shipped", admin_id=admin.id, tracking_number="T", now=NOW)

    with transaction():
        assert reconciliation.find_wallet_drift().drift == []
    for user_id in members:
        totals = ledger.ledger_totals(user_id)
        wallet = wallet_of(user_id)
        assert (wallet.available_coins, wallet.frozen_coins) == (totals.available, totals.frozen)
        assert (wallet.lifetime_earned, wallet.lifetime_spent) == (totals.earned, totals.spent)
