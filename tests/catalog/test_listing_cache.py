"""The phones' product list: variants loaded in one batch, and the list cached in Redis
until a product or a variant changes (without Redis, read from the database)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import event, update

from app.catalog import browse
from app.extensions import db
from app.models.catalog import ProductVariant, RewardProduct

REDIS = "redis://127.0.0.1:6379/3"


@pytest.fixture
def with_redis(app):
    app.config["REDIS_URL"] = REDIS
    app.config["CACHE_PREFIX"] = f"test:{uuid.uuid4().hex}:"  # apart from parallel runs
    return app


def _listing() -> list[tuple[str, int, bool]]:
    return [
        (p.title, p.coin_price, p.has_variants)
        for p in browse.product_listing(None, None, after_id=None, limit=50)
    ]


def _change_behind_the_back(product_id: int, coin_price: int) -> None:
    """A write on a connection of its own, which the session never sees."""
    db.session.commit()
    with db.engine.begin() as conn:
        conn.execute(
            update(RewardProduct.__table__)
            .where(RewardProduct.__table__.c.id == product_id)
            .values(coin_price=coin_price)
        )
    db.session.expire_all()


def _statements_of(work) -> int:
    count = 0

    def counted(*_args) -> None:
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    return count


def test_variants_come_in_one_batch_however_many_products(app, make_variant_product):
    make_variant_product("Shirt A")
    one = _statements_of(_listing)
    for title in ("Shirt B", "Shirt C", "Shirt D"):
        make_variant_product(title)
    db.session.expire_all()

    assert _statements_of(_listing) == one
    assert all(has_variants for _, _, has_variants in _listing())


def test_the_list_comes_from_redis_until_a_product_changes(with_redis, make_product):
    product = make_product("Bottle", coin_price=300)
    assert _listing() == [("Bottle", 300, False)]

    # Changed behind the application's back: the cached list still shows 300.
    _change_behind_the_back(product.id, 1)
    assert _listing() == [("Bottle", 300, False)]

    product = db.session.get(RewardProduct, product.id)
    product.coin_price = 450
    db.session.commit()
    assert _listing() == [("Bottle", 450, False)]


def test_a_variant_change_drops_the_cached_list(with_redis, make_variant_product):
    shirt = make_variant_product("Shirt")
    assert _listing() == [("Shirt", shirt.coin_price, True)]

    db.session.execute(
        update(ProductVariant).where(ProductVariant.product_id == shirt.id).values(is_active=False)
    )
    db.session.commit()

    assert _listing() == [("Shirt", shirt.coin_price, False)]


def test_without_redis_every_read_goes_to_the_database(app, make_product):
    product = make_product("Mat", coin_price=200)
    assert _listing() == [("Mat", 200, False)]
    _change_behind_the_back(product.id, 5)
    assert _listing() == [("Mat", 5, False)]
