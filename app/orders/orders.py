"""Orders (SPEC §4): checkout reserves stock and freezes coins in one transaction.

Status flow: pending → processing → shipped (frozen coins spent) → delivered;
pending/processing → cancelled (coins released, stock restored);
shipped/delivered → refunded (coins returned). Every change notifies the member.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from app.accounts import email_verification
from app.backoffice import events
from app.backoffice.audit import record_admin_action
from app.catalog import variants, wishlist
from app.coins import ledger
from app.core.db import rows_affected, transaction
from app.core.errors import InvalidTransition, NotFound, OutOfStock, ValidationFailed
from app.core.live_events import publish
from app.core.notifications import notify
from app.extensions import db
from app.gamification import achievements, referrals
from app.models.base import utcnow
from app.models.catalog import ProductVariant, RewardProduct
from app.models.orders import Order, OrderItem, OrderStatus
from app.models.users import User, UserAddress
from app.orders import order_mail, promo_codes

TRANSITIONS: dict[str, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.PROCESSING, OrderStatus.CANCELLED}),
    OrderStatus.PROCESSING: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED, OrderStatus.REFUNDED}),
    OrderStatus.DELIVERED: frozenset({OrderStatus.REFUNDED}),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.REFUNDED: frozenset(),
}
MEMBER_CANCELLABLE = frozenset({OrderStatus.PENDING, OrderStatus.PROCESSING})
MAX_QUANTITY = 10
MAX_LINES = 20
ADDRESS_FIELDS = (
    "recipient_name",
    "line1",
    "line2",
    "city",
    "state",
    "postal_code",
    "country",
    "phone",
)
ADDRESS_LIMITS = {
    "recipient_name": 120,
    "line1": 200,
    "line2": 200,
    "city": 100,
    "state": 100,
    "postal_code": 20,
    "country": 2,
    "phone": 32,
}


def address_lines(address: Mapping[str, Any] | object) -> list[str]:
    """An address (an order's stored dict or a saved address) as it goes on the parcel:
    name, street lines, "postal code city", state, country, phone; empty parts left out."""

    def part(name: str) -> str:
        value = address.get(name) if isinstance(address, Mapping) else getattr(address, name)
        return str(value or "").strip()

    town = " ".join(p for p in (part("postal_code"), part("city")) if p)
    lines = [part("recipient_name"), part("line1"), part("line2"), town]
    return [line for line in [*lines, part("state"), part("country"), part("phone")] if line]


def clean_address(raw: dict[str, Any]) -> dict[str, str | None]:
    """A shipping address with its required parts, trimmed; ValidationFailed names the field."""
    problems: list[dict[str, str]] = []
    address: dict[str, str | None] = {}
    for field in ADDRESS_FIELDS:
        value = raw.get(field)
        value = None if value is None else str(value).strip() or None
        if value is not None and len(value) > ADDRESS_LIMITS[field]:
            problems.append(
                {"field": field, "message": f"At most {ADDRESS_LIMITS[field]} characters."}
            )
        address[field] = value
    for required in ("line1", "city", "country"):
        if not address[required]:
            problems.append({"field": required, "message": "This is required."})
    country = address["country"]
    if country and not re.fullmatch(r"[A-Za-z]{2}", country):
        problems.append(
            {"field": "country", "message": "Use the two-letter country code, e.g. DE or NG."}
        )
    elif country:
        address["country"] = country.upper()
    if problems:
        raise ValidationFailed("The shipping address is incomplete.", details=problems)
    return address


def _shipping_address(
    user_id: int, address_id: int | None, shipping_address: dict[str, Any] | None
) -> tuple[dict[str, str | None], int | None]:
    if address_id is not None:
        saved = db.session.get(UserAddress, address_id)
        if saved is None or saved.user_id != user_id:
            raise NotFound("That address does not exist.")
        return saved.as_dict(), saved.id
    if shipping_address is not None:
        return clean_address(shipping_address), None
    default = db.session.execute(
        select(UserAddress).where(UserAddress.user_id == user_id, UserAddress.is_default)
    ).scalar_one_or_none()
    if default is None:
        raise ValidationFailed("Choose a shipping address.", details=[{"field": "address_id"}])
    return default.as_dict(), default.id


# An order line: (product id, quantity) or, for a product with variants,
# (product id, quantity, variant id).
OrderLine = tuple[int, int] | tuple[int, int, int | None]
LineKey = tuple[int, int | None]


def _merge_lines(lines: Iterable[OrderLine]) -> dict[LineKey, int]:
    merged: dict[LineKey, int] = {}
    for line in lines:
        product_id, quantity = line[0], line[1]
        variant_id = line[2] if len(line) > 2 else None
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise ValidationFailed(
                "Quantities must be whole numbers of at least 1.",
                details=[{"field": "quantity", "product_id": product_id}],
            )
        key = (product_id, variant_id)
        merged[key] = merged.get(key, 0) + quantity
    if not merged:
        raise ValidationFailed("The order has no items.", details=[{"field": "items"}])
    if len(merged) > MAX_LINES:
        raise ValidationFailed(f"At most {MAX_LINES} different products per order.")
    for (product_id, _), quantity in merged.items():
        if quantity > MAX_QUANTITY:
            raise ValidationFailed(
                f"At most {MAX_QUANTITY} of one product per order.",
                details=[{"field": "quantity", "product_id": product_id}],
            )
    return merged


def _chosen_variants(
    merged: dict[LineKey, int], products: dict[int, RewardProduct]
) -> dict[LineKey, ProductVariant | None]:
    """Each line's variant, checked against its product (required where it has variants)."""
    chosen: dict[LineKey, ProductVariant | None] = {}
    for key in merged:
        try:
            chosen[key] = variants.chosen_variant(products[key[0]], key[1])
        except ValidationFailed as exc:
            exc.details = [{**d, "product_id": key[0]} for d in exc.details]
            raise
    return chosen


def _lock_order_key(key: LineKey) -> tuple[int, int]:
    return key[0], key[1] or 0


def _variant_totals(lines: dict[LineKey, int], *, sign: int) -> dict[int, int]:
    totals: dict[int, int] = {}
    for (product_id, variant_id), quantity in lines.items():
        if variant_id is not None:
            totals[product_id] = totals.get(product_id, 0) + sign * quantity
    return totals


def _reserve(key: LineKey, quantity: int, product: RewardProduct) -> None:
    product_id, variant_id = key
    if variant_id is not None:
        if not variants.reserve(variant_id, quantity):
            raise OutOfStock(
                f"Only {variants.fresh_stock(variant_id)} of “{product.title}” in that "
                "option left.",
                details=[
                    {"product_id": product_id, "variant_id": variant_id, "requested": quantity}
                ],
            )
        return
    reserved = rows_affected(
        update(RewardProduct)
        .where(
            RewardProduct.id == product_id,
            RewardProduct.stock_quantity >= quantity,
        )
        .values(stock_quantity=RewardProduct.stock_quantity - quantity)
    )
    if reserved != 1:
        raise OutOfStock(
            f"Only {_fresh_stock(product_id)} of “{product.title}” left.",
            details=[{"product_id": product_id, "requested": quantity}],
        )


def place_order(
    user_id: int,
    lines: Iterable[OrderLine],
    *,
    address_id: int | None = None,
    shipping_address: dict[str, Any] | None = None,
    promo_code: str | None = None,
    now: datetime | None = None,
) -> Order:
    """Checkout: reserve stock, freeze coins, create the order — all or nothing. Only with a
    confirmed e-mail address (EmailNotVerified otherwise). A `promo_code` takes its coins
    off the total before the freeze (PromoCodeRejected says why it cannot)."""
    member = db.session.get(User, user_id)
    if member is None:
        raise NotFound("No such member.")
    email_verification.require_verified(member)
    merged = _merge_lines(lines)
    when = now or utcnow()
    with transaction():
        address, saved_address_id = _shipping_address(user_id, address_id, shipping_address)
        products = {
            p.id: p
            for p in db.session.execute(
                select(RewardProduct)
                .where(RewardProduct.id.in_({pid for pid, _ in merged}))
                .options(selectinload(RewardProduct.variants))
            ).scalars()
        }
        missing = sorted(
            {pid for pid, _ in merged if pid not in products or not products[pid].is_active}
        )
        if missing:
            raise NotFound(
                "That product is not available.",
                details=[{"product_id": pid} for pid in missing],
            )
        chosen = _chosen_variants(merged, products)
        # Sorted by id so two checkouts lock the same rows in the same order.
        for key in sorted(merged, key=_lock_order_key):
            _reserve(key, merged[key], products[key[0]])
        variants.move_product_totals(_variant_totals(merged, sign=-1))
        prices = {
            key: variant.coin_price if variant is not None else products[key[0]].coin_price
            for key, variant in chosen.items()
        }
        total = sum(prices[key] * qty for key, qty in merged.items())
        order = Order(
            order_code=f"TMP-{uuid.uuid4().hex[:16]}",
            user_id=user_id,
            status=OrderStatus.PENDING,
            total_coins=total,
            shipping_address=address,
            address_id=saved_address_id,
            created_at=when,
            updated_at=when,
        )
        db.session.add(order)
        db.session.flush()
        order.order_code = f"FK-{when.year}-{order.id:06d}"
        order.updated_at = when  # not the clock's time: `now` may be given (the demo's past)
        for (product_id, variant_id), quantity in merged.items():
            product = products[product_id]
            snapshot = {
                "title": product.title,
                "category": product.category,
                "image_url": product.image_url,
                "coin_price": prices[(product_id, variant_id)],
            }
            variant = chosen[(product_id, variant_id)]
            if variant is not None:
                snapshot.update(variant=variant.title, sku=variant.sku)
            db.session.add(
                OrderItem(
                    order_id=order.id,
                    product_id=product_id,
                    variant_id=variant_id,
                    quantity=quantity,
                    coin_price_at_purchase=prices[(product_id, variant_id)],
                    product_snapshot=snapshot,
                    created_at=when,
                )
            )
        used_code = None
        if promo_code and promo_code.strip():
            promo_codes.apply_discount(order, promo_code, now=when)
            used_code = promo_codes.normalise(promo_code)
        ledger.freeze_for_order(
            user_id, order.id, order.order_code, order.total_coins, promo_code=used_code, now=when
        )
        events.record(
            events.ORDER_PLACED, user_id, {"order_id": order.id, "coins": order.total_coins}
        )
        notify(
            user_id,
            "order",
            f"Order {order.order_code} placed",
            f"{order.total_coins} coins are held until it ships.",
            link=f"/orders/{order.order_code}",
        )
        order_mail.queue_order_mail(order, "placed")
    return order


def _fresh_stock(product_id: int) -> int:
    return db.session.execute(
        select(RewardProduct.stock_quantity).where(RewardProduct.id == product_id)
    ).scalar_one()


def _lock_order(code: str) -> Order:
    order = db.session.execute(
        select(Order)
        .where(Order.order_code == code)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if order is None:
        raise NotFound("No such order.")
    return order


def member_order(user_id: int, code: str) -> Order:
    """The member's own order; someone else's is as absent as a missing one (404)."""
    order = db.session.execute(
        select(Order).where(Order.order_code == code, Order.user_id == user_id)
    ).scalar_one_or_none()
    if order is None:
        raise NotFound("No such order.")
    return order


def cancel_by_member(user_id: int, code: str, *, now: datetime | None = None) -> Order:
    with transaction():
        order = _lock_order(code)
        if order.user_id != user_id:
            raise NotFound("No such order.")
        if order.status not in MEMBER_CANCELLABLE:
            raise InvalidTransition(
                f"Order {code} is {order.status} and can no longer be cancelled."
            )
        _apply(order, OrderStatus.CANCELLED, now=now or utcnow())
    return order


def change_status(
    code: str,
    new_status: str,
    *,
    admin_id: int | None,
    tracking_number: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> Order:
    """Move an order along the flow (admin or job). Invalid moves raise InvalidTransition."""
    with transaction():
        order = _lock_order(code)
        before = {"status": order.status, "tracking_number": order.tracking_number}
        if new_status == OrderStatus.SHIPPED:
            tracking_number = (tracking_number or "").strip()
            if not tracking_number:
                raise ValidationFailed(
                    "A tracking number is needed to ship.", details=[{"field": "tracking_number"}]
                )
            order.tracking_number = tracking_number[:100]
        _apply(order, new_status, now=now or utcnow(), note=note)
        if admin_id is not None:
            record_admin_action(
                admin_id,
                f"order.{new_status}",
                "order",
                order.order_code,
                before=before,
                after={"status": order.status, "tracking_number": order.tracking_number},
                note=note,
            )
    return order


def _apply(order: Order, new_status: str, *, now: datetime, note: str | None = None) -> None:
    if new_status not in TRANSITIONS.get(order.status, frozenset()):
        raise InvalidTransition(
            f"Order {order.order_code} is {order.status}; it cannot become {new_status}."
        )
    code, coins = order.order_code, order.total_coins
    if new_status == OrderStatus.CANCELLED:
        returned: dict[LineKey, int] = {}
        for item in order.items:
            key = (item.product_id, item.variant_id)
            returned[key] = returned.get(key, 0) + item.quantity
        # The same lock order as checkout: lines by id, then the variants' product totals.
        for key in sorted(returned, key=_lock_order_key):
            if key[1] is not None:
                variants.restore(key[1], returned[key])
                continue
            stock_after = db.session.execute(
                update(RewardProduct)
                .where(RewardProduct.id == key[0])
                .values(stock_quantity=RewardProduct.stock_quantity + returned[key])
                .returning(RewardProduct.stock_quantity)
            ).scalar_one()
            wishlist.restocked(key[0], stock_before=stock_after - returned[key])
        variants.move_product_totals(_variant_totals(returned, sign=1))
        ledger.release_for_order(order.user_id, order.id, code, coins, now=now)
        order.cancelled_at = now
    elif new_status == OrderStatus.PROCESSING:
        order.processing_at = now
    elif new_status == OrderStatus.SHIPPED:
        ledger.spend_for_order(order.user_id, order.id, code, coins, now=now)
        order.shipped_at = now
    elif new_status == OrderStatus.DELIVERED:
        order.delivered_at = now
    elif new_status == OrderStatus.REFUNDED:
        ledger.refund_order(order.user_id, order.id, code, coins, now=now)
        order.refunded_at = now
    order.status = new_status
    order.updated_at = now
    if note:
        order.note = note
    db.session.flush()
    publish(order.user_id, "order", {"id": order.id, "code": code, "status": new_status})
    if new_status == OrderStatus.SHIPPED:
        referrals.pay_bonus_on_first_shipment(order.user_id)
    if new_status in achievements.REDEEMED_ORDER_STATUSES:
        # A shipped order is a redeemed reward: "First Reward" and the like unlock now.
        achievements.evaluate(order.user_id, moved=achievements.ORDER_FACTS, now=now)
    notify(
        order.user_id,
        "order",
        f"Order {code} is {new_status}",
        _status_message(new_status, coins, order.tracking_number),
        link=f"/orders/{code}",
    )
    order_mail.queue_order_mail(order, new_status)


def _status_message(status: str, coins: int, tracking: str | None) -> str:
    messages: dict[str, str] = {
        OrderStatus.PROCESSING: "We are packing your order.",
        OrderStatus.SHIPPED: f"On its way (tracking {tracking}). {coins} coins were spent.",
        OrderStatus.DELIVERED: "Delivered. Enjoy!",
        OrderStatus.CANCELLED: f"Cancelled. {coins} coins are back in your wallet.",
        OrderStatus.REFUNDED: f"Refunded. {coins} coins are back in your wallet.",
    }
    return messages.get(status, "")
