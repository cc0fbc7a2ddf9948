"""Orders (SPEC §4): checkout reserves stock and freezes coins; the status flow moves them."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.backoffice.settings import update_settings
from app.coins import ledger
from app.core.db import transaction
from app.core.errors import (
    InsufficientCoins,
    InvalidTransition,
    NotFound,
    OutOfStock,
    ValidationFailed,
)
from app.extensions import db
from app.models.admin import AdminLog
from app.models.catalog import RewardProduct
from app.models.notifications import Notification
from app.models.orders import Order, OrderItem
from app.models.users import Referral, User, UserAddress
from app.models.wallet import CoinTransaction, Wallet
from app.orders import orders

DAY = date(2026, 11, 20)
HOME = {"recipient_name": "Mia Member", "line1": "1 Main Street", "city": "Berlin", "country": "DE"}
# The admin moves that bring a new (pending) order to each status.
PATH_TO = {
    "pending": [],
    "processing": ["processing"],
    "shipped": ["processing", "shipped"],
    "delivered": ["processing", "shipped", "delivered"],
    "cancelled": ["cancelled"],
    "refunded": ["processing", "shipped", "refunded"],
}


# --- helpers ---------------------------------------------------------------------------------


def give(user_id: int, coins: int) -> None:
    with transaction():
        ledger.award_step_coins(user_id, DAY, coins)


def add_address(user_id: int, *, is_default: bool = True, **fields: Any) -> UserAddress:
    address = UserAddress(user_id=user_id, is_default=is_default, **{**HOME, **fields})
    db.session.add(address)
    db.session.commit()
    return address


def wallet_of(user_id: int) -> Wallet:
    db.session.expire_all()
    return db.session.execute(select(Wallet).where(Wallet.user_id == user_id)).scalar_one()


def balances(user_id: int) -> tuple[int, int, int, int]:
    wallet = wallet_of(user_id)
    return (
        wallet.available_coins,
        wallet.frozen_coins,
        wallet.lifetime_earned,
        wallet.lifetime_spent,
    )


def assert_books_balance(*user_ids: int) -> None:
    for user_id in user_ids:
        totals = ledger.ledger_totals(user_id)
        assert balances(user_id) == (totals.available, totals.frozen, totals.earned, totals.spent)


def stock_of(product_id: int) -> int:
    db.session.expire_all()
    return db.session.get(RewardProduct, product_id).stock_quantity


def order_by_code(code: str) -> Order:
    db.session.expire_all()
    return db.session.execute(select(Order).where(Order.order_code == code)).scalar_one()


def count(model: type, *where: Any) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def snapshot_of_everything(user_id: int, product_ids: list[int]) -> dict[str, Any]:
    """What a refused operation must leave exactly as it was."""
    db.session.expire_all()
    return {
        "wallet": balances(user_id),
        "ledger_rows": count(CoinTransaction),
        "orders": [
            tuple(row) for row in db.session.execute(select(Order.order_code, Order.status))
        ],
        "order_items": count(OrderItem),
        "stock": [stock_of(pid) for pid in product_ids],
        "notifications": count(Notification),
        "admin_logs": count(AdminLog),
    }


def walk_to(code: str, status: str, *, admin_id: int | None) -> None:
    for step in PATH_TO[status]:
        orders.change_status(code, step, admin_id=admin_id, tracking_number="TRACK-1")


@pytest.fixture
def shopper(member: User) -> User:
    """A member with 5,000 coins and a default home address."""
    give(member.id, 5000)
    add_address(member.id)
    return member


@pytest.fixture
def product(make_product) -> RewardProduct:
    return make_product("Water Bottle", coin_price=500, stock_quantity=10)


@pytest.fixture
def place(shopper: User, product: RewardProduct) -> Callable[..., Order]:
    """Place an order for the shopper: by default two water bottles (1,000 coins)."""

    def place_order(lines: list[tuple[int, int]] | None = None, **kwargs: Any) -> Order:
        return orders.place_order(shopper.id, lines or [(product.id, 2)], **kwargs)

    return place_order


# --- checkout ----------------------------------------------------------------------------------


def test_checkout_reserves_stock_freezes_coins_and_creates_a_pending_order(shopper, product, place):
    order = place()

    assert order.status == "pending"
    assert order.total_coins == 1000
    assert stock_of(product.id) == 8
    assert balances(shopper.id) == (4000, 1000, 5000, 0)
    freeze = db.session.execute(
        select(CoinTransaction).where(CoinTransaction.transaction_type == "order_freeze")
    ).scalar_one()
    assert (freeze.amount, freeze.frozen_change) == (-1000, 1000)
    assert (freeze.reference_type, freeze.reference_id) == ("order", str(order.id))
    assert_books_balance(shopper.id)


def test_order_code_is_fk_year_and_the_zero_padded_order_id(place):
    order = place(now=datetime(2027, 3, 4, 12, 0, tzinfo=UTC))
    second = place()

    assert re.fullmatch(r"FK-\d{4}-\d{6}", order.order_code)
    assert order.order_code == f"FK-2027-{order.id:06d}"
    assert second.order_code != order.order_code
    assert re.fullmatch(r"FK-\d{4}-\d{6}", second.order_code)


def test_order_items_keep_the_price_at_purchase_and_a_product_snapshot(shopper, product, place):
    code = place().order_code
    product = db.session.get(RewardProduct, product.id)
    product.coin_price = 900
    product.title = "Renamed Bottle"
    db.session.commit()

    order = order_by_code(code)
    [item] = order.items
    assert (item.product_id, item.quantity, item.coin_price_at_purchase) == (product.id, 2, 500)
    assert item.product_snapshot["title"] == "Water Bottle"
    assert item.product_snapshot["coin_price"] == 500
    assert item.product_snapshot["category"] == "Gear"
    assert order.total_coins == 1000


def test_one_product_on_two_lines_becomes_one_item_with_the_summed_quantity(product, place):
    order = place([(product.id, 1), (product.id, 3)])

    [item] = order_by_code(order.order_code).items
    assert item.quantity == 4
    assert order.total_coins == 2000
    assert stock_of(product.id) == 6


def test_checkout_of_several_products_totals_every_line(shopper, make_product, place):
    socks = make_product("Socks", coin_price=300, stock_quantity=5)
    mat = make_product("Yoga Mat", coin_price=1200, stock_quantity=5)

    order = place([(socks.id, 2), (mat.id, 1)])

    assert order.total_coins == 2 * 300 + 1200
    assert (stock_of(socks.id), stock_of(mat.id)) == (3, 4)
    assert balances(shopper.id)[:2] == (5000 - 1800, 1800)
    assert_books_balance(shopper.id)


def test_out_of_stock_raises_and_changes_nothing(shopper, make_product, place):
    plenty = make_product("Plenty", coin_price=100, stock_quantity=5)
    scarce = make_product("Scarce", coin_price=100, stock_quantity=1)
    before = snapshot_of_everything(shopper.id, [plenty.id, scarce.id])

    # The plentiful product (lower id) is reserved first; the scarce one must undo it.
    with pytest.raises(OutOfStock) as raised:
        place([(plenty.id, 2), (scarce.id, 2)])

    assert raised.value.details == [{"product_id": scarce.id, "requested": 2}]
    assert snapshot_of_everything(shopper.id, [plenty.id, scarce.id]) == before
    assert_books_balance(shopper.id)


def test_insufficient_coins_raises_and_leaves_stock_unreserved(member, product):
    give(member.id, 300)
    add_address(member.id)
    before = snapshot_of_everything(member.id, [product.id])

    with pytest.raises(InsufficientCoins) as raised:
        orders.place_order(member.id, [(product.id, 1)])

    assert (raised.value.needed, raised.value.available) == (500, 300)
    assert snapshot_of_everything(member.id, [product.id]) == before
    assert stock_of(product.id) == 10
    assert_books_balance(member.id)


@pytest.mark.parametrize("quantity", [0, -1, True, 1.5, "2", None])
def test_a_quantity_that_is_not_a_positive_whole_number_is_refused(
    shopper, product, place, quantity
):
    before = snapshot_of_everything(shopper.id, [product.id])

    with pytest.raises(ValidationFailed) as raised:
        place([(product.id, quantity)])

    assert raised.value.details == [{"field": "quantity", "product_id": product.id}]
    assert snapshot_of_everything(shopper.id, [product.id]) == before


def test_more_than_ten_of_one_product_is_refused_even_when_split_across_lines(
    shopper, product, place
):
    with pytest.raises(ValidationFailed) as raised:
        place([(product.id, 6), (product.id, 5)])

    assert raised.value.details == [{"field": "quantity", "product_id": product.id}]
    assert stock_of(product.id) == 10
    assert count(Order) == 0


def test_ten_of_one_product_is_allowed(shopper, product, place):
    order = place([(product.id, 10)])

    assert order.total_coins == 5000
    assert stock_of(product.id) == 0


def test_an_order_without_items_is_refused(shopper, place):
    with pytest.raises(ValidationFailed) as raised:
        orders.place_order(shopper.id, [])

    assert raised.value.details == [{"field": "items"}]
    assert count(Order) == 0


def test_twenty_products_are_allowed_but_twenty_one_are_refused(shopper, make_product):
    products = [make_product(coin_price=10, stock_quantity=1) for _ in range(21)]

    with pytest.raises(ValidationFailed):
        orders.place_order(shopper.id, [(p.id, 1) for p in products])
    assert count(Order) == 0
    assert [stock_of(p.id) for p in products] == [1] * 21

    order = orders.place_order(shopper.id, [(p.id, 1) for p in products[:20]])
    assert len(order_by_code(order.order_code).items) == 20


def test_an_inactive_product_is_not_found_and_nothing_is_reserved(shopper, make_product, place):
    active = make_product("Active", stock_quantity=5)
    retired = make_product("Retired", stock_quantity=5, is_active=False)
    before = snapshot_of_everything(shopper.id, [active.id, retired.id])

    with pytest.raises(NotFound) as raised:
        place([(active.id, 1), (retired.id, 1)])

    assert raised.value.details == [{"product_id": retired.id}]
    assert snapshot_of_everything(shopper.id, [active.id, retired.id]) == before


def test_an_unknown_product_is_not_found(shopper, product, place):
    with pytest.raises(NotFound) as raised:
        place([(product.id, 1), (987_654, 1)])

    assert raised.value.details == [{"product_id": 987_654}]
    assert stock_of(product.id) == 10
    assert count(Order) == 0


def test_concurrent_checkouts_never_sell_more_than_the_stock(app: Flask, make_member, make_product):
    product_id = make_product("Limited Edition", coin_price=100, stock_quantity=3).id
    buyers = []
    for _ in range(8):
        buyer = make_member()
        give(buyer.id, 1000)
        add_address(buyer.id)
        buyers.append(buyer.id)
    outcomes: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(buyers))

    def checkout(user_id: int) -> None:
        try:
            with app.app_context():
                start.wait()
                try:
                    orders.place_order(user_id, [(product_id, 1)])
                    outcomes.append("ordered")
                except OutOfStock:
                    outcomes.append("out of stock")
                db.session.remove()
        except BaseException as exc:  # re-raised by the assertion below
            errors.append(exc)

    # The test's own session must not hold SQLite's write lock while the threads run.
    db.session.rollback()
    threads = [threading.Thread(target=checkout, args=(uid,)) for uid in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sorted(outcomes) == ["ordered"] * 3 + ["out of stock"] * 5
    assert stock_of(product_id) == 0
    assert count(Order) == 3
    assert_books_balance(*buyers)
    frozen = sorted(balances(uid)[1] for uid in buyers)
    assert frozen == [0] * 5 + [100] * 3


# --- shipping address ----------------------------------------------------------------------------


def test_the_default_address_is_used_when_none_is_given(shopper, place):
    add_address(shopper.id, is_default=False, line1="9 Work Road", city="Hamburg")
    default = db.session.execute(
        select(UserAddress).where(UserAddress.user_id == shopper.id, UserAddress.is_default)
    ).scalar_one()

    order = place()

    assert order.address_id == default.id
    assert order.shipping_address["line1"] == "1 Main Street"
    assert order.shipping_address["city"] == "Berlin"


def test_a_chosen_saved_address_is_copied_onto_the_order(shopper, place):
    work = add_address(shopper.id, is_default=False, line1="9 Work Road", city="Hamburg")

    order = place(address_id=work.id)

    assert order.address_id == work.id
    assert order.shipping_address == work.as_dict()


def test_a_saved_address_of_another_member_is_not_found(shopper, product, place, make_member):
    stranger = make_member()
    theirs = add_address(stranger.id, line1="7 Their Lane")
    before = snapshot_of_everything(shopper.id, [product.id])

    with pytest.raises(NotFound):
        place(address_id=theirs.id)

    assert snapshot_of_everything(shopper.id, [product.id]) == before


def test_an_unknown_saved_address_is_not_found(shopper, place):
    with pytest.raises(NotFound):
        place(address_id=424_242)
    assert count(Order) == 0


def test_an_inline_address_is_trimmed_and_the_country_upper_cased(shopper, place):
    order = place(
        shipping_address={
            "recipient_name": "  Mia  ",
            "line1": " 5 Harbour Way ",
            "line2": "   ",
            "city": "Lagos",
            "country": " ng ",
            "phone": None,
        }
    )

    assert order.address_id is None
    assert order.shipping_address["line1"] == "5 Harbour Way"
    assert order.shipping_address["recipient_name"] == "Mia"
    assert order.shipping_address["line2"] is None
    assert order.shipping_address["country"] == "NG"


def test_an_inline_address_needs_line1_city_and_country(shopper, product, place):
    with pytest.raises(ValidationFailed) as raised:
        place(shipping_address={"recipient_name": "Mia", "line1": "  ", "city": None})

    assert {d["field"] for d in raised.value.details} == {"line1", "city", "country"}
    assert stock_of(product.id) == 10
    assert count(Order) == 0


@pytest.mark.parametrize("country", ["DEU", "D", "1A", "D-"])
def test_an_inline_address_country_must_be_two_letters(shopper, place, country):
    with pytest.raises(ValidationFailed) as raised:
        place(shipping_address={**HOME, "country": country})

    assert {d["field"] for d in raised.value.details} == {"country"}
    assert count(Order) == 0


@pytest.mark.parametrize("country", ["ÄÖ", "ßß"])
def test_an_inline_address_country_must_be_two_ascii_letters(shopper, place, country):
    with pytest.raises(ValidationFailed):
        place(shipping_address={**HOME, "country": country})


def test_an_inline_address_field_that_is_too_long_is_refused(shopper, place):
    with pytest.raises(ValidationFailed) as raised:
        place(shipping_address={**HOME, "postal_code": "1" * 21})

    assert [d["field"] for d in raised.value.details] == ["postal_code"]


def test_checkout_without_any_address_is_refused_and_reserves_nothing(member, product):
    give(member.id, 5000)
    before = snapshot_of_everything(member.id, [product.id])

    with pytest.raises(ValidationFailed) as raised:
        orders.place_order(member.id, [(product.id, 1)])

    assert raised.value.details == [{"field": "address_id"}]
    assert snapshot_of_everything(member.id, [product.id]) == before


# --- member cancellation ----------------------------------------------------------------------


@pytest.mark.parametrize("status", ["pending", "processing"])
def test_member_cancel_before_shipment_releases_coins_and_restores_stock(
    shopper, product, admin, place, status
):
    code = place().order_code
    walk_to(code, status, admin_id=admin.id)

    orders.cancel_by_member(shopper.id, code)

    order = order_by_code(code)
    assert order.status == "cancelled"
    assert order.cancelled_at is not None
    assert stock_of(product.id) == 10
    assert balances(shopper.id) == (5000, 0, 5000, 0)
    release = db.session.execute(
        select(CoinTransaction).where(CoinTransaction.transaction_type == "order_release")
    ).scalar_one()
    assert (release.amount, release.frozen_change) == (1000, -1000)
    assert_books_balance(shopper.id)


@pytest.mark.parametrize("status", ["shipped", "delivered", "cancelled", "refunded"])
def test_member_cannot_cancel_once_shipped_or_closed(shopper, product, admin, place, status):
    code = place().order_code
    walk_to(code, status, admin_id=admin.id)
    before = snapshot_of_everything(shopper.id, [product.id])

    with pytest.raises(InvalidTransition):
        orders.cancel_by_member(shopper.id, code)

    assert snapshot_of_everything(shopper.id, [product.id]) == before
    assert order_by_code(code).status == status
    assert_books_balance(shopper.id)


def test_member_cannot_cancel_someone_elses_order(shopper, product, place, make_member):
    code = place().order_code
    stranger = make_member()
    before = snapshot_of_everything(shopper.id, [product.id])

    with pytest.raises(NotFound):
        orders.cancel_by_member(stranger.id, code)

    assert snapshot_of_everything(shopper.id, [product.id]) == before


def test_member_order_returns_the_members_own_order(shopper, place):
    code = place().order_code

    assert orders.member_order(shopper.id, code).order_code == code


def test_member_order_of_someone_elses_order_is_not_found(shopper, place, make_member):
    code = place().order_code
    stranger = make_member()

    with pytest.raises(NotFound) as someone_elses:
        orders.member_order(stranger.id, code)
    with pytest.raises(NotFound) as missing:
        orders.member_order(stranger.id, "FK-2026-999999")

    # The answer must not tell "exists but not yours" from "does not exist".
    assert someone_elses.value.message == missing.value.message


# --- the status flow --------------------------------------------------------------------------


def test_full_flow_freezes_then_spends_then_refunds_the_coins(shopper, product, admin, place):
    code = place().order_code
    assert balances(shopper.id) == (4000, 1000, 5000, 0)

    orders.change_status(code, "processing", admin_id=admin.id)
    assert order_by_code(code).processing_at is not None
    assert balances(shopper.id) == (4000, 1000, 5000, 0)
    assert_books_balance(shopper.id)

    orders.change_status(code, "shipped", admin_id=admin.id, tracking_number="  DHL123  ")
    order = order_by_code(code)
    assert (order.status, order.tracking_number) == ("shipped", "DHL123")
    assert order.shipped_at is not None
    assert balances(shopper.id) == (4000, 0, 5000, 1000)
    assert_books_balance(shopper.id)

    orders.change_status(code, "delivered", admin_id=admin.id)
    assert order_by_code(code).delivered_at is not None
    assert balances(shopper.id) == (4000, 0, 5000, 1000)
    assert_books_balance(shopper.id)

    orders.change_status(code, "refunded", admin_id=admin.id)
    order = order_by_code(code)
    assert order.status == "refunded"
    assert order.refunded_at is not None
    assert balances(shopper.id) == (5000, 0, 5000, 0)
    assert_books_balance(shopper.id)
    # A refund returns coins; it does not put the goods back on the shelf.
    assert stock_of(product.id) == 8


def test_a_shipped_order_can_be_refunded_before_delivery(shopper, admin, place):
    code = place().order_code
    walk_to(code, "shipped", admin_id=admin.id)

    orders.change_status(code, "refunded", admin_id=admin.id)

    assert balances(shopper.id) == (5000, 0, 5000, 0)
    assert_books_balance(shopper.id)


@pytest.mark.parametrize("tracking", [None, "", "   "])
def test_shipping_needs_a_tracking_number(shopper, product, admin, place, tracking):
    code = place().order_code
    orders.change_status(code, "processing", admin_id=admin.id)
    before = snapshot_of_everything(shopper.id, [product.id])

    with pytest.raises(ValidationFailed) as raised:
        orders.change_status(code, "shipped", admin_id=admin.id, tracking_number=tracking)

    assert raised.value.details == [{"field": "tracking_number"}]
    assert snapshot_of_everything(shopper.id, [product.id]) == before
    assert order_by_code(code).tracking_number is None


def test_admin_cancel_releases_coins_and_restores_stock(shopper, product, admin, place):
    code = place().order_code
    orders.change_status(code, "processing", admin_id=admin.id)

    orders.change_status(code, "cancelled", admin_id=admin.id, note="Supplier ran out")

    order = order_by_code(code)
    assert (order.status, order.note) == ("cancelled", "Supplier ran out")
    assert stock_of(product.id) == 10
    assert balances(shopper.id) == (5000, 0, 5000, 0)
    assert_books_balance(shopper.id)


@pytest.mark.parametrize(
    ("status", "target"),
    [
        ("pending", "shipped"),
        ("pending", "delivered"),
        ("pending", "refunded"),
        ("pending", "pending"),
        ("processing", "delivered"),
        ("processing", "refunded"),
        ("shipped", "cancelled"),
        ("shipped", "processing"),
        ("shipped", "shipped"),
        ("delivered", "cancelled"),
        ("delivered", "shipped"),
        ("cancelled", "processing"),
        ("cancelled", "cancelled"),
        ("refunded", "delivered"),
        ("refunded", "refunded"),
        ("pending", "lost-in-space"),
    ],
)
def test_invalid_transitions_are_refused_and_change_nothing(
    shopper, product, admin, place, status, target
):
    code = place().order_code
    walk_to(code, status, admin_id=admin.id)
    before = snapshot_of_everything(shopper.id, [product.id])
    tracking_before = order_by_code(code).tracking_number

    with pytest.raises(InvalidTransition):
        orders.change_status(code, target, admin_id=admin.id, tracking_number="NEW-TRACK")

    assert snapshot_of_everything(shopper.id, [product.id]) == before
    order = order_by_code(code)
    assert (order.status, order.tracking_number) == (status, tracking_before)
    assert_books_balance(shopper.id)


def test_change_status_of_an_unknown_order_is_not_found(admin):
    with pytest.raises(NotFound):
        orders.change_status("FK-2026-000404", "processing", admin_id=admin.id)


def test_admin_status_changes_write_audit_rows_with_before_and_after(shopper, admin, place):
    code = place().order_code

    orders.change_status(code, "processing", admin_id=admin.id)
    orders.change_status(
        code, "shipped", admin_id=admin.id, tracking_number="DHL1", note="Left the warehouse"
    )

    logs = db.session.execute(select(AdminLog).order_by(AdminLog.id)).scalars().all()
    assert [(log.admin_id, log.action, log.entity_type, log.entity_id) for log in logs] == [
        (admin.id, "order.processing", "order", code),
        (admin.id, "order.shipped", "order", code),
    ]
    assert logs[0].before == {"status": "pending", "tracking_number": None}
    assert logs[0].after == {"status": "processing", "tracking_number": None}
    assert logs[1].before == {"status": "processing", "tracking_number": None}
    assert logs[1].after == {"status": "shipped", "tracking_number": "DHL1"}
    assert logs[1].note == "Left the warehouse"


def test_status_changes_by_a_job_or_the_member_write_no_audit_row(shopper, place):
    first = place().order_code
    second = place().order_code

    orders.change_status(first, "processing", admin_id=None)
    orders.cancel_by_member(shopper.id, second)

    assert count(AdminLog) == 0
    assert order_by_code(first).status == "processing"


def test_every_order_change_notifies_the_member(shopper, admin, place):
    code = place().order_code
    for status in ("processing", "shipped", "delivered", "refunded"):
        orders.change_status(code, status, admin_id=admin.id, tracking_number="DHL9")
    cancelled = place().order_code
    orders.cancel_by_member(shopper.id, cancelled)

    notes = db.session.execute(select(Notification).order_by(Notification.id)).scalars().all()
    assert [(n.user_id, n.kind) for n in notes] == [(shopper.id, "order")] * 7
    assert [n.title for n in notes] == [
        f"Order {code} placed",
        f"Order {code} is processing",
        f"Order {code} is shipped",
        f"Order {code} is delivered",
        f"Order {code} is refunded",
        f"Order {cancelled} placed",
        f"Order {cancelled} is cancelled",
    ]
    assert all(n.link == f"/orders/{code}" for n in notes[:5])
    assert "DHL9" in notes[2].body
    assert count(Notification, Notification.user_id == admin.id) == 0


# --- referral bonus on first shipment ----------------------------------------------------------


@pytest.fixture
def referral_pair(make_member, product) -> tuple[User, User]:
    """(referrer, referred): the referred member has 5,000 coins and an address."""
    referrer = make_member(full_name="Rita Referrer")
    referred = make_member(full_name="Ned Newcomer", referral_code=referrer.referral_code)
    give(referred.id, 5000)
    add_address(referred.id)
    return referrer, referred


def test_referral_bonus_is_paid_to_both_when_the_first_order_ships(referral_pair, product, admin):
    referrer, referred = referral_pair
    code = orders.place_order(referred.id, [(product.id, 1)]).order_code
    orders.change_status(code, "processing", admin_id=admin.id)
    assert balances(referrer.id) == (0, 0, 0, 0)

    orders.change_status(code, "shipped", admin_id=admin.id, tracking_number="T1")

    assert balances(referrer.id) == (500, 0, 500, 0)
    assert balances(referred.id) == (4500 + 250, 0, 5000 + 250, 500)
    referral = db.session.execute(select(Referral)).scalar_one()
    assert referral.status == "converted"
    assert referral.converted_at is not None
    bonus_rows = db.session.execute(
        select(CoinTransaction.user_id, CoinTransaction.amount)
        .where(CoinTransaction.transaction_type == "referral_bonus")
        .order_by(CoinTransaction.user_id)
    ).all()
    assert sorted(bonus_rows) == sorted([(referrer.id, 500), (referred.id, 250)])
    assert_books_balance(referrer.id, referred.id)


def test_a_second_shipment_pays_no_second_referral_bonus(referral_pair, product, admin):
    referrer, referred = referral_pair
    first = orders.place_order(referred.id, [(product.id, 1)]).order_code
    second = orders.place_order(referred.id, [(product.id, 1)]).order_code
    walk_to(first, "shipped", admin_id=admin.id)

    walk_to(second, "shipped", admin_id=admin.id)

    assert balances(referrer.id)[0] == 500
    assert balances(referred.id)[0] == 5000 - 1000 + 250
    assert count(CoinTransaction, CoinTransaction.transaction_type == "referral_bonus") == 2
    assert_books_balance(referrer.id, referred.id)


def test_a_refunded_first_order_keeps_the_bonus_and_a_later_shipment_pays_none(
    referral_pair, product, admin
):
    referrer, referred = referral_pair
    first = orders.place_order(referred.id, [(product.id, 1)]).order_code
    walk_to(first, "refunded", admin_id=admin.id)
    second = orders.place_order(referred.id, [(product.id, 1)]).order_code

    walk_to(second, "shipped", admin_id=admin.id)

    assert count(CoinTransaction, CoinTransaction.transaction_type == "referral_bonus") == 2
    assert balances(referrer.id)[0] == 500
    assert_books_balance(referrer.id, referred.id)


def test_cancelled_orders_pay_no_referral_bonus(referral_pair, product, admin):
    referrer, referred = referral_pair
    code = orders.place_order(referred.id, [(product.id, 1)]).order_code
    orders.change_status(code, "processing", admin_id=admin.id)
    orders.cancel_by_member(referred.id, code)

    assert balances(referrer.id) == (0, 0, 0, 0)
    assert balances(referred.id) == (5000, 0, 5000, 0)
    assert db.session.execute(select(Referral.status)).scalar_one() == "pending"


def test_the_referral_bonus_amounts_come_from_the_settings(referral_pair, product, admin):
    referrer, referred = referral_pair
    update_settings(
        {"referral_referrer_bonus": 40, "referral_referred_bonus": 15}, admin_id=admin.id
    )
    db.session.commit()
    code = orders.place_order(referred.id, [(product.id, 1)]).order_code

    walk_to(code, "shipped", admin_id=admin.id)

    assert balances(referrer.id)[0] == 40
    assert balances(referred.id)[0] == 4500 + 15
    assert_books_balance(referrer.id, referred.id)


def test_a_member_without_a_referrer_gets_no_bonus_on_shipment(shopper, admin, place):
    code = place().order_code

    walk_to(code, "shipped", admin_id=admin.id)

    assert count(CoinTransaction, CoinTransaction.transaction_type == "referral_bonus") == 0
    assert balances(shopper.id) == (4000, 0, 5000, 1000)


def test_referral_bonus_notifies_both_members(referral_pair, product, admin):
    referrer, referred = referral_pair
    code = orders.place_order(referred.id, [(product.id, 1)]).order_code

    walk_to(code, "shipped", admin_id=admin.id)

    # The referrer placed no order, so any notification they have is about the bonus.
    assert count(Notification, Notification.user_id == referrer.id) == 1
    assert (
        count(Notification, Notification.user_id == referred.id, Notification.kind != "order") == 1
    )
