"""A reward's variants (size, colour…): each a choice with its own stock and coin price.

A product with active variants is ordered by variant: the cart and the order line carry
the chosen one, and stock is reserved and restored on the variant row, race-safely
(`UPDATE … SET stock = stock - :n WHERE id = :id AND stock >= :n`, then the row count).
The product's `stock_quantity` and `coin_price` follow its active variants (the sum of
their stock, the lowest price — "from N coins") so the catalogue can sort and filter on
them; the variant row is what a checkout reserves. A product without variants works as
it always did.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import case, select, update

from app.backoffice.audit import record_admin_action
from app.core.db import rows_affected, transaction
from app.core.errors import NotFound, ValidationFailed
from app.extensions import db
from app.models.catalog import ProductVariant, RewardProduct

MAX_COIN_PRICE = 10_000_000
MAX_STOCK = 1_000_000
TITLE_LIMIT = 200
SKU_LIMIT = 64
AUDITED_FIELDS = ("title", "sku", "coin_price", "stock", "is_active")


def product_totals(product: RewardProduct) -> dict[str, int]:
    """The stock and "from" price a product with variants shows; {} when it has none."""
    active = product.active_variants
    if not active:
        return {}
    return {
        "stock_quantity": sum(variant.stock for variant in active),
        "coin_price": min(variant.coin_price for variant in active),
    }


def refresh_product_totals(product: RewardProduct) -> None:
    for name, value in product_totals(product).items():
        setattr(product, name, value)


def chosen_variant(product: RewardProduct, variant_id: int | None) -> ProductVariant | None:
    """The variant a member picked for `product`, checked: required when the product has
    variants, refused when it has none. ValidationFailed names the `variant_id` field."""
    if not product.has_variants:
        if variant_id is not None:
            raise ValidationFailed(
                f"“{product.title}” has no choices to pick from.",
                details=[{"field": "variant_id"}],
            )
        return None
    if variant_id is None:
        raise ValidationFailed(
            f"Choose an option of “{product.title}”.", details=[{"field": "variant_id"}]
        )
    variant = next((v for v in product.active_variants if v.id == variant_id), None)
    if variant is None:
        raise ValidationFailed(
            f"That option of “{product.title}” is not available.",
            details=[{"field": "variant_id"}],
        )
    return variant


def reserve(variant_id: int, quantity: int) -> bool:
    """Take `quantity` units off the variant, never below 0; False when too few are left.
    The caller then moves the products' totals (`move_product_totals`)."""
    taken = rows_affected(
        update(ProductVariant)
        .where(
            ProductVariant.id == variant_id,
            ProductVariant.is_active,
            ProductVariant.stock >= quantity,
        )
        .values(stock=ProductVariant.stock - quantity)
    )
    return taken == 1


def restore(variant_id: int, quantity: int) -> None:
    """Put a cancelled order's units back on the variant."""
    db.session.execute(
        update(ProductVariant)
        .where(ProductVariant.id == variant_id)
        .values(stock=ProductVariant.stock + quantity)
    )


def move_product_totals(changes: Mapping[int, int]) -> None:
    """Follow reserved (-) or restored (+) variant units on their products' totals.

    Called after every variant row of the transaction is locked, in product id order: with
    variants before products everywhere, two checkouts never wait on each other in a circle.
    The total is a summary, floored at 0.
    """
    for product_id in sorted(changes):
        moved = RewardProduct.stock_quantity + changes[product_id]
        db.session.execute(
            update(RewardProduct)
            .where(RewardProduct.id == product_id)
            .values(stock_quantity=case((moved >= 0, moved), else_=0))
        )


def fresh_stock(variant_id: int) -> int:
    return db.session.execute(
        select(ProductVariant.stock).where(ProductVariant.id == variant_id)
    ).scalar_one()


# --- admin: add and edit variants ------------------------------------------------------------


def _int_field(
    name: str, label: str, raw: Any, minimum: int, maximum: int, problems: list[dict[str, str]]
) -> int | None:
    text = str(raw).strip() if raw is not None else ""
    if not text.lstrip("-").isdigit():
        problems.append({"field": name, "message": f"{label} must be a whole number."})
        return None
    value = int(text)
    if not minimum <= value <= maximum:
        problems.append(
            {"field": name, "message": f"{label} must be between {minimum} and {maximum:,}."}
        )
        return None
    return value


def clean_variant_fields(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Title, SKU, coin price, stock and active flag of one variant, typed and checked."""
    problems: list[dict[str, str]] = []
    title = " ".join(str(raw.get("title") or "").split())
    if not title:
        problems.append({"field": "title", "message": "Name the option, e.g. “M / Blue”."})
    elif len(title) > TITLE_LIMIT:
        problems.append({"field": "title", "message": f"At most {TITLE_LIMIT} characters."})
    sku = " ".join(str(raw.get("sku") or "").split()) or None
    if sku and len(sku) > SKU_LIMIT:
        problems.append({"field": "sku", "message": f"At most {SKU_LIMIT} characters."})
    price = _int_field(
        "coin_price", "Coin price", raw.get("coin_price"), 1, MAX_COIN_PRICE, problems
    )
    stock = _int_field("stock", "Stock", raw.get("stock"), 0, MAX_STOCK, problems)
    if problems:
        raise ValidationFailed(problems[0]["message"], details=problems)
    return {
        "title": title,
        "sku": sku,
        "coin_price": price,
        "stock": stock,
        "is_active": bool(raw.get("is_active")),
    }


def _snapshot(variant: ProductVariant) -> dict[str, Any]:
    return {name: getattr(variant, name) for name in AUDITED_FIELDS}


def _locked_product(product_id: int) -> RewardProduct:
    product = db.session.execute(
        select(RewardProduct).where(RewardProduct.id == product_id).with_for_update()
    ).scalar_one_or_none()
    if product is None:
        raise NotFound("No such product.")
    return product


def add_variant(product_id: int, raw: Mapping[str, Any], *, admin_id: int) -> ProductVariant:
    values = clean_variant_fields({**raw, "is_active": True})
    with transaction():
        product = _locked_product(product_id)
        position = max((v.position for v in product.variants), default=0) + 1
        variant = ProductVariant(options=[], position=position, price_set_by_admin=True, **values)
        product.variants.append(variant)
        db.session.flush()
        refresh_product_totals(product)
        record_admin_action(
            admin_id,
            "product.variant_add",
            "product_variant",
            variant.id,
            after={"product_id": product.id, **_snapshot(variant)},
        )
    return variant


def update_variant(
    product_id: int, variant_id: int, raw: Mapping[str, Any], *, admin_id: int
) -> list[str]:
    """Save an admin's edit of one variant; returns the names of the fields that changed.
    A typed coin price marks it `price_set_by_admin` so the Shopify sync keeps it."""
    values = clean_variant_fields(raw)
    with transaction():
        product = _locked_product(product_id)
        variant = next((v for v in product.variants if v.id == variant_id), None)
        if variant is None:
            raise NotFound("That variant is not one of this product's.")
        before = _snapshot(variant)
        changed = [name for name, value in values.items() if getattr(variant, name) != value]
        if not changed:
            return []
        for name in changed:
            setattr(variant, name, values[name])
        if "coin_price" in changed:
            variant.price_set_by_admin = True
        db.session.flush()
        refresh_product_totals(product)
        record_admin_action(
            admin_id,
            "product.variant_update",
            "product_variant",
            variant.id,
            before=before,
            after=_snapshot(variant),
        )
    return changed
