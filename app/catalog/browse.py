"""Reading the reward catalogue: one product search (web and API), categories, one product."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from app.core import cache
from app.core.errors import NotFound
from app.core.keyset import rows_after
from app.core.search import any_contains
from app.extensions import db
from app.models.catalog import ProductVariant, RewardProduct

MAX_QUERY = 100
# The phones' product list is read on every shop visit and changes with an edit, an import,
# the Shopify sync or a stock move: cached in Redis until any product or variant changes.
LISTING_CACHE = "catalog_listing"
cache.invalidate_on_write(LISTING_CACHE, RewardProduct.__tablename__, ProductVariant.__tablename__)


@dataclass(frozen=True)
class ProductPage:
    items: list[RewardProduct]
    total: int
    page: int
    per_page: int

    @property
    def has_more(self) -> bool:
        return self.page * self.per_page < self.total


def matching_products(
    query: str | None = None, category: str | None = None
) -> Select[RewardProduct]:
    """The product search of the web and the API alike (each orders and pages it its way).

    Active products, in `category` if given (any case), whose title, description or
    category contains every word of `query` (any case, % and _ taken literally).
    """
    stmt = select(RewardProduct).where(RewardProduct.is_active)
    if category and category.strip():
        stmt = stmt.where(func.lower(RewardProduct.category) == category.strip().lower())
    for word in (query or "")[:MAX_QUERY].split():
        stmt = stmt.where(
            any_contains(
                word, RewardProduct.title, RewardProduct.description, RewardProduct.category
            )
        )
    return stmt


def search(
    query: str | None = None,
    category: str | None = None,
    *,
    page: int = 1,
    per_page: int = 24,
) -> ProductPage:
    """The member pages' search (`matching_products`): in-stock first, then cheapest."""
    stmt = matching_products(query, category)
    total = db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    page = max(1, page)
    items = db.session.execute(
        stmt.options(selectinload(RewardProduct.variants))
        .order_by(
            (RewardProduct.stock_quantity > 0).desc(),
            RewardProduct.coin_price,
            RewardProduct.id,
        )
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).scalars()
    return ProductPage(list(items), int(total), page, per_page)


@dataclass(frozen=True)
class ListedProduct:
    """What a product list shows of one product."""

    id: int
    title: str
    category: str
    coin_price: int
    in_stock: bool
    image_url: str | None
    has_variants: bool


def listed(p: RewardProduct) -> ListedProduct:
    """What every product list (the shop, wishlists, goals) shows of `p`."""
    return ListedProduct(
        id=p.id,
        title=p.title,
        category=p.category,
        coin_price=p.coin_price,
        in_stock=p.in_stock,
        image_url=p.image_url,
        has_variants=p.has_variants,
    )


def product_listing(
    query: str | None, category: str | None, *, after_id: int | None, limit: int
) -> list[ListedProduct]:
    """Up to `limit` products of `matching_products`, by id after `after_id` (the API's
    cursor pages); their variants come in one batch, not one query per product."""

    def load() -> list[ListedProduct]:
        rows = rows_after(
            matching_products(query, category).options(selectinload(RewardProduct.variants)),
            RewardProduct.id,
            after_id=after_id,
            limit=limit,
            newest_first=False,
        )
        return [listed(p) for p in rows]

    return cache.cached(
        LISTING_CACHE,
        json.dumps([query, category, after_id, limit]),
        load,
        dump=lambda items: [asdict(item) for item in items],
        restore=lambda raw: [ListedProduct(**item) for item in raw],
    )


def categories() -> list[str]:
    return list(
        db.session.execute(
            select(RewardProduct.category)
            .where(RewardProduct.is_active)
            .distinct()
            .order_by(RewardProduct.category)
        ).scalars()
    )


def active_product(product_id: int) -> RewardProduct:
    product = db.session.get(RewardProduct, product_id)
    if product is None or not product.is_active:
        raise NotFound("That reward is not available.")
    return product
