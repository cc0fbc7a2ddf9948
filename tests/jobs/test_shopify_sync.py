"""The Shopify client and catalogue sync, against a local fake store (no network, no sleeping)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.catalog.shopify import (
    ShopifyClient,
    ShopifyError,
    coin_price_for,
    normalise_store_url,
    sync_catalogue,
)
from app.extensions import db
from app.jobs import run_job
from app.models.admin import JobRun
from app.models.catalog import RewardProduct
from tests.jobs.conftest import NOW
from tests.jobs.fake_shopify import TOKEN, FakeShopify, product


@pytest.fixture
def shop() -> Iterator[FakeShopify]:
    fake = FakeShopify(page_size=2).start()
    yield fake
    fake.stop()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(shop: FakeShopify, sleeps: list[float]) -> ShopifyClient:
    return ShopifyClient(shop.url, TOKEN, sleep=sleeps.append, timeout=5)


def catalogue() -> dict[str, RewardProduct]:
    rows = db.session.execute(
        select(RewardProduct).where(RewardProduct.shopify_product_id.is_not(None))
    ).scalars()
    return {row.shopify_product_id: row for row in rows}


# --- the client --------------------------------------------------------------------------


def test_products_are_read_across_pages_by_the_link_header(shop, client, sleeps):
    shop.products = [product(i, f"Item {i}", "10.00") for i in range(1, 6)]

    found = client.products()

    assert [p.id for p in found] == ["1", "2", "3", "4", "5"]
    assert [path.split("?")[0] for path in shop.requests] == [
        "/admin/api/2024-10/products.json"
    ] * 3
    assert "page_info=2" in shop.requests[1]
    assert set(shop.tokens_seen) == {TOKEN}
    assert sleeps == []


def test_a_429_waits_as_long_as_retry_after_says_then_succeeds(shop, client, sleeps):
    shop.products = [product(1, "Bottle", "8.00")]
    shop.fail_next(429, **{"Retry-After": "2.0"})

    assert [p.title for p in client.products()] == ["Bottle"]
    assert sleeps == [2.0]
    assert client.requests_made == 2


def test_server_errors_are_retried_with_exponential_backoff(shop, client, sleeps):
    shop.products = [product(1, "Bottle", "8.00")]
    shop.fail_next(503, times=3)

    assert len(client.products()) == 1
    assert sleeps == [1.0, 2.0, 4.0]


def test_retries_give_up_after_the_last_attempt(shop, client, sleeps):
    shop.fail_next(500, times=5)

    with pytest.raises(ShopifyError, match=r"500 .* after 5 attempts"):
        client.products()
    assert len(sleeps) == 4


def test_a_client_error_fails_at_once(shop, sleeps):
    wrong = ShopifyClient(shop.url, "not-the-token", sleep=sleeps.append)

    with pytest.raises(ShopifyError, match="401"):
        wrong.products()
    assert sleeps == []


def test_an_unreachable_store_is_retried_then_reported(sleeps):
    closed = ShopifyClient("http://127.0.0.1:9", TOKEN, sleep=sleeps.append, max_attempts=3)

    with pytest.raises(ShopifyError, match="could not be reached"):
        closed.products()
    assert sleeps == [1.0, 2.0]


def test_a_next_page_off_the_store_is_never_followed(client):
    with pytest.raises(ShopifyError, match="off the store"):
        client._next_link('<https://elsewhere.example/admin/products.json>; rel="next"')


def test_store_urls_are_normalised():
    assert normalise_store_url("fitkart.myshopify.com/") == "https://fitkart.myshopify.com"
    assert normalise_store_url("http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    with pytest.raises(ShopifyError):
        normalise_store_url("ftp://store")


@pytest.mark.parametrize(
    ("price", "coins"),
    [("8.00", 800), ("12.34", 1240), ("19.999", 2000), ("0.01", 10), ("0", 10), ("65", 6500)],
)
def test_the_coin_price_of_a_new_product(price, coins):
    assert coin_price_for(Decimal(price)) == coins


# --- the sync ------------------------------------------------------------------------------


def test_new_products_are_created_with_a_derived_price_and_summed_stock(app, shop, client):
    shop.products = [
        product(1, "Trail Bottle", "8.00", product_type="Gear"),
        product(2, "Gift Card", "15.00", stock=None, product_type=""),
        product(3, "Hidden Draft", "5.00", status="draft"),
    ]
    shop.inventory = {10: 7}

    result = sync_catalogue(client)

    assert (len(result.created), len(result.updated), len(result.deactivated)) == (2, 0, 0)
    rows = catalogue()
    assert set(rows) == {"1", "2"}
    bottle = rows["1"]
    assert (bottle.title, bottle.category, bottle.coin_price) == ("Trail Bottle", "Gear", 800)
    assert bottle.stock_quantity == 7  # 3 + 4 over two locations
    assert bottle.description == "All about Trail Bottle & more."
    assert (bottle.sku, bottle.shopify_variant_id) == ("SKU-1", "100")
    assert bottle.image_url == "https://cdn.example/1.jpg"
    assert bottle.is_active and not bottle.price_set_by_admin
    assert (rows["2"].category, rows["2"].stock_quantity) == ("Other", 0)


def test_an_admin_set_coin_price_is_never_changed_but_a_derived_one_follows_the_shop(
    app, shop, client
):
    db.session.add_all(
        [
            RewardProduct(
                title="Old name",
                category="Gear",
                coin_price=1234,
                price_set_by_admin=True,
                shopify_product_id="1",
            ),
            RewardProduct(
                title="Socks", category="Apparel", coin_price=600, shopify_product_id="2"
            ),
        ]
    )
    db.session.commit()
    shop.products = [product(1, "New name", "50.00"), product(2, "Socks", "7.25")]
    shop.inventory = {10: 3, 20: 9}

    result = sync_catalogue(client)

    rows = catalogue()
    assert (rows["1"].title, rows["1"].coin_price, rows["1"].stock_quantity) == (
        "New name",
        1234,
        3,
    )
    assert rows["2"].coin_price == 730
    assert result.price_kept_by_admin == 1
    assert sorted(result.updated) == ["1", "2"]


def test_products_gone_from_the_store_or_drafted_are_deactivated_and_others_left_alone(
    app, shop, client, make_product
):
    own = make_product("FitKart Water Bottle")
    db.session.add_all(
        [
            RewardProduct(title="Gone", category="Gear", coin_price=100, shopify_product_id="8"),
            RewardProduct(title="Drafted", category="Gear", coin_price=100, shopify_product_id="9"),
        ]
    )
    db.session.commit()
    shop.products = [product(1, "Stays", "1.00"), product(9, "Drafted", "1.00", status="draft")]

    result = sync_catalogue(client)

    rows = catalogue()
    assert not rows["8"].is_active
    assert not rows["9"].is_active
    assert rows["1"].is_active
    assert sorted(result.deactivated) == ["8", "9"]
    assert db.session.get(RewardProduct, own.id).is_active


def test_a_second_sync_with_nothing_new_changes_nothing(app, shop, client):
    shop.products = [product(1, "Bottle", "8.00"), product(2, "Mat", "25.00")]
    sync_catalogue(client)

    again = sync_catalogue(client)

    assert again.rows_touched == 0
    assert again.unchanged == 2


def test_an_empty_store_never_deactivates_the_whole_catalogue(app, shop, client):
    shop.products = [product(1, "Bottle", "8.00")]
    sync_catalogue(client)
    shop.products = []

    with pytest.raises(ShopifyError, match="no products"):
        sync_catalogue(client)
    assert catalogue()["1"].is_active


# --- the job and the command ---------------------------------------------------------------


def test_the_job_syncs_through_a_429_and_records_its_counts(app, shop, sleeps):
    app.config.update(SHOPIFY_STORE_URL=shop.url, SHOPIFY_ACCESS_TOKEN=TOKEN)
    shop.products = [product(i, f"Item {i}", "3.00") for i in range(1, 4)]
    shop.fail_next(429, **{"Retry-After": "1"})

    result = run_job("shopify_sync", now=NOW, sleep=sleeps.append)

    assert result.outcome == "success"
    assert sleeps == [1.0]
    assert result.rows_touched == 3
    assert result.details["created"] == 3
    run = db.session.execute(select(JobRun)).scalar_one()
    assert run.details["fetched"] == 3
    assert len(catalogue()) == 3


def test_a_store_that_keeps_failing_is_a_failed_run_and_changes_nothing(app, shop, sleeps):
    app.config.update(SHOPIFY_STORE_URL=shop.url, SHOPIFY_ACCESS_TOKEN=TOKEN)
    shop.fail_next(502, times=5)

    result = run_job("shopify_sync", now=NOW, sleep=sleeps.append)

    assert result.outcome == "failed"
    assert "ShopifyError" in result.error_text
    assert catalogue() == {}


def test_products_sync_command_runs_the_sync(app, runner, shop):
    app.config.update(SHOPIFY_STORE_URL=shop.url, SHOPIFY_ACCESS_TOKEN=TOKEN)
    shop.products = [product(1, "Bottle", "8.00")]

    result = runner.invoke(args=["products", "sync"])

    assert result.exit_code == 0, result.output
    assert "shopify_sync: success, 1 rows touched" in result.output
    assert set(catalogue()) == {"1"}
