"""The member's cart, kept in the database; checkout turns it into one order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from app.accounts import profile
from app.catalog import browse as catalogue
from app.catalog import variants
from app.coins import ledger
from app.core.db import transaction
from app.core.errors import NotFound, OutOfStock, ValidationFailed
from app.extensions import db
from app.models.base import utcnow
from app.models.cart import CartItem
from app.models.catalog import ProductVariant, RewardProduct
from app.models.orders import Order
from app.orders import orders

MAX_QUANTITY = orders.MAX_QUANTITY
MAX_LINES = orders.MAX_LINES


@dataclass(frozen=True)
class CartLine:
    product: RewardProduct
    quantity: int
    # The chosen variant of a product that has them: its price and stock are the line's.
    variant: ProductVariant | None = None

    @property
    def variant_id(self) -> int | None:
        return self.variant.id if self.variant is not None else None

    @property
    def unit_price(self) -> int:
        return self.variant.coin_price if self.variant is not None else self.product.coin_price

    @property
    def subtotal(self) -> int:
        return self.unit_price * self.quantity

    @property
    def problem(self) -> str | None:
        """Why this line cannot be ordered as it is, in words, or None."""
        if not self.product.is_active:
            return "No longer available: remove it to check out."
        if self.variant is not None and not self.variant.is_active:
            return "This option is no longer available: remove it to check out."
        if self.variant is None and self.product.has_variants:
            return "Choose an option on the reward's page: remove this line to check out."
        stock = self.variant.stock if self.variant is not None else self.product.stock_quantity
        if stock == 0:
            return "Out of stock right now."
        if stock < self.quantity:
            return f"Only {stock} left: lower the quantity."
        return None


@dataclass(frozen=True)
class Cart:
    lines: list[CartLine]

    @property
    def total(self) -> int:
        return sum(line.subtotal for line in self.lines)

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def has_problems(self) -> bool:
        return any(line.problem for line in self.lines)


def _check_quantity(quantity: int) -> None:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
        raise ValidationFailed("Choose a quantity of 1 or more.", details=[{"field": "quantity"}])
    if quantity > MAX_QUANTITY:
        raise ValidationFailed(
            f"At most {MAX_QUANTITY} of one reward per order.", details=[{"field": "quantity"}]
        )


def get(user_id: int) -> Cart:
    rows = db.session.execute(
        select(CartItem, RewardProduct, ProductVariant)
        .join(RewardProduct, RewardProduct.id == CartItem.product_id)
        .outerjoin(ProductVariant, ProductVariant.id == CartItem.variant_id)
        .where(CartItem.user_id == user_id)
        .order_by(CartItem.id)
    ).all()
    return Cart([CartLine(product=p, quantity=item.quantity, variant=v) for item, p, v in rows])


def count(user_id: int) -> int:
    total = db.session.execute(
        select(func.coalesce(func.sum(CartItem.quantity), 0)).where(CartItem.user_id == user_id)
    ).scalar_one()
    return int(total)


def _item(user_id: int, product_id: int, variant_id: int | None = None) -> CartItem | None:
    return db.session.execute(
        select(CartItem).where(
            CartItem.user_id == user_id,
            CartItem.product_id == product_id,
            CartItem.variant_id.is_(None)
            if variant_id is None
            else CartItem.variant_id == variant_id,
        )
    ).scalar_one_or_none()


def add(user_id: int, product_id: int, quantity: int = 1, *, variant_id: int | None = None) -> int:
    """Put `quantity` more of a product in the cart (capped per order). Returns the new
    quantity of that line. A product with variants needs one chosen (`variant_id`), in
    stock; a product without takes none."""
    _check_quantity(quantity)
    if quantity == 0:
        raise ValidationFailed("Choose a quantity of 1 or more.", details=[{"field": "quantity"}])
    with transaction():
        product = catalogue.active_product(product_id)
        variant = variants.chosen_variant(product, variant_id)
        if variant is not None and not variant.in_stock:
            raise OutOfStock(
                f"“{product.title}” in {variant.title} is out of stock right now.",
                details=[{"field": "variant_id", "variant_id": variant.id}],
            )
        item = _item(user_id, product_id, variant_id)
        if item is None:
            lines = db.session.execute(
                select(func.count()).select_from(CartItem).where(CartItem.user_id == user_id)
            ).scalar_one()
            if lines >= MAX_LINES:
                raise ValidationFailed(f"A cart holds at most {MAX_LINES} different rewards.")
            try:
                with db.session.begin_nested():
                    item = CartItem(
                        user_id=user_id,
                        product_id=product_id,
                        variant_id=variant_id,
                        quantity=quantity,
                    )
                    db.session.add(item)
                return item.quantity
            except IntegrityError:
                # A double click inserted the same line first: add to it instead.
                item = _item(user_id, product_id, variant_id)
                if item is None:
                    raise
                quantity = item.quantity + quantity
        else:
            quantity = item.quantity + quantity
        item.quantity = min(quantity, MAX_QUANTITY)
        item.updated_at = utcnow()
        return item.quantity


def set_quantity(
    user_id: int, product_id: int, quantity: int, *, variant_id: int | None = None
) -> None:
    """Change a line's quantity; 0 removes it."""
    _check_quantity(quantity)
    with transaction():
        item = _item(user_id, product_id, variant_id)
        if item is None:
            raise NotFound("That reward is not in your cart.")
        if quantity == 0:
            db.session.delete(item)
        else:
            item.quantity = quantity
            item.updated_at = utcnow()


def remove(user_id: int, product_id: int, *, variant_id: int | None = None) -> None:
    with transaction():
        item = _item(user_id, product_id, variant_id)
        if item is not None:
            db.session.delete(item)


def checkout(
    user_id: int,
    *,
    address_id: int | None = None,
    new_address: dict[str, Any] | None = None,
    save_address: bool = False,
    promo_code: str | None = None,
    now: datetime | None = None,
) -> Order:
    """Order everything in the cart (reserving stock, freezing coins), then empty it.

    All or nothing: when stock or coins fall short the cart stays as it was.
    """
    with transaction():
        # Two checkouts of one cart queue here; the second then finds the cart empty.
        ledger.lock_wallet(user_id)
        cart = get(user_id)
        if cart.is_empty:
            raise ValidationFailed("Your cart is empty.", details=[{"field": "cart"}])
        shipping: dict[str, Any] | None = None
        if new_address is not None:
            if save_address:
                address_id = profile.add_address(user_id, new_address).id
            else:
                shipping = new_address
        elif address_id is None:
            raise ValidationFailed(
                "Choose where to ship your order.", details=[{"field": "address_id"}]
            )
        order = orders.place_order(
            user_id,
            [(line.product.id, line.quantity, line.variant_id) for line in cart.lines],
            address_id=address_id if shipping is None else None,
            shipping_address=shipping,
            promo_code=promo_code,
            now=now,
        )
        db.session.execute(delete(CartItem).where(CartItem.user_id == user_id))
    return order
