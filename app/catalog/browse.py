"""Reading the reward catalogue: one product search (web and API), categories, one product."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from app.core.errors import NotFound
from app.core.search import any_contains
from app.extensions import db
from app.models.catalog import RewardProduct

MAX_QUERY = 100


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
