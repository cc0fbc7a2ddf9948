"""The Shopify GraphQL client and catalogue sync, against a local fake GraphQL Admin API
(no network, no sleeping: the sleep function records the waits)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.catalog.shopify import (
    API_VERSION,
    ShopifyClient,
    ShopifyError,
    client_from_config,
    coin_price_for,
    normalise_store_url,
    sync_catalogue,
)
from app.extensions import db
from app.jobs import run_job
from app.models.admin import JobRun
from app.models.catalog import ProductVariant, RewardProduct
from tests.jobs.conftest import NOW
from tests.jobs.fake_shopify import TOKEN, FakeShopify, product, variant

ENDPOINT = "/admin/api/2025-10/graphql.json"


@pytest.fixture
def shop() -> Iterator[FakeShopify]:
    fake = FakeShopify().start()
    yield fake
    fake.stop()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(shop: FakeShopify, sleeps: list[float]) -> ShopifyClient:
    return ShopifyClient(shop.url, TOKEN, sleep=sleeps.append, timeout=5, page_size=2)


def catalogue() -> dict[str, RewardProduct]:
    rows = db.session.execute(
        select(RewardProduct).where(RewardProduct.shopify_product_id.is_not(None))
    ).scalars()
    return {row.shopify_product_id: row for row in rows}


def variants_of(shopify_product_id: str) -> dict[str, ProductVariant]:
    row = catalogue()[shopify_product_id]
    return {v.shopify_variant_id: v for v in row.variants}


def shirt(*sizes: tuple[int, str, str, int]) -> dict:
    """A T-shirt (product 7) with one variant per (id, size, price, stock)."""
    return product(
        7,
        "Run Shirt",
        product_type="Apparel",
        variants=[
            variant(vid, size, price, stock=stock, position=i, options={"Size": size})
            for i, (vid, size, price, stock) in enumerate(sizes, start=1)
        ],
    )


# --- the client --------------------------------------------------------------------------


def test_products_are_read_across_pages_by_cursor(shop, client, sleeps):
    shop.products = [product(i, f"Item {i}") for i in range(1, 6)]

    found = client.products()

    assert [p.id for p in found] == ["1", "2", "3", "4", "5"]
    assert shop.paths == [ENDPOINT] * 3
    assert [r["variables"]["after"] for r in shop.requests] == [None, "cursor-2", "cursor-4"]
    assert all(r["variables"]["first"] == 2 for r in shop.requests)
    assert set(shop.tokens_seen) == {TOKEN}
    assert sleeps == []


def test_a_product_with_more_variants_than_a_page_has_the_rest_read_by_its_cursor(shop, sleeps):
    sizes = [(700 + i, f"Size {i}", "20.00", i) for i in range(1, 6)]
    shop.products = [shirt(*sizes)]
    client = ShopifyClient(shop.url, TOKEN, sleep=sleeps.append, variants_per_page=2)

    [found] = client.products()

    assert [v.id for v in found.variants] == ["701", "702", "703", "704", "705"]
    follow_ups = [r["variables"] for r in shop.requests[1:]]
    assert follow_ups == [
        {"id": "gid://shopify/Product/7", "first": 2, "after": "cursor-2"},
        {"id": "gid://shopify/Product/7", "first": 2, "after": "cursor-4"},
    ]


def test_the_next_page_waits_until_the_bucket_holds_what_the_query_costs(shop, client, sleeps):
    shop.products = [product(i, f"Item {i}") for i in range(1, 6)]
    shop.query_cost = 400
    # After page 1 only 100 points are left: (400 - 100) / 50 per second = 6 s; then full.
    shop.available.extend([100.0, 1000.0, 1000.0])

    assert len(client.products()) == 5

    assert sleeps == [6.0]
    assert client.throttled_seconds == 6.0


def test_a_throttled_answer_is_retried_after_the_computed_wait(shop, client, sleeps):
    shop.products = [product(1, "Bottle", "8.00")]
    shop.query_cost = 400
    shop.throttle_next(available=150.0)

    assert [p.title for p in client.products()] == ["Bottle"]
    assert sleeps == [5.0]  # (400 - 150) / 50
    assert len(shop.requests) == 2


def test_throttling_that_never_lets_up_fails_after_the_last_attempt(shop, client, sleeps):
    shop.query_cost = 400
    shop.throttle_next(available=0.0, times=5)

    with pytest.raises(ShopifyError, match="THROTTLED"):
        client.products()
    assert sleeps == [8.0] * 4


def test_graphql_errors_fail_at_once_with_their_message(shop, client, sleeps):
    shop.error_next("Access denied for products field.", "ACCESS_DENIED")

    with pytest.raises(ShopifyError, match=r"Access denied for products field\. \(ACCESS_DENIED\)"):
        client.products()
    assert sleeps == []
    assert len(shop.requests) == 1


def test_user_errors_beside_a_result_are_failures(shop, client):
    shop.answer_next(
        {"data": {"products": {"userErrors": [{"field": ["first"], "message": "is too big"}]}}}
    )

    with pytest.raises(ShopifyError, match="refused products: first: is too big"):
        client.products()


def test_an_answer_without_the_products_connection_is_an_error(shop, client):
    shop.answer_next({"data": {"products": None}})

    with pytest.raises(ShopifyError, match="no 'products' connection"):
        client.products()


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


def test_the_api_version_is_configurable_with_a_current_default():
    config = {"SHOPIFY_STORE_URL": "shop.myshopify.com", "SHOPIFY_ACCESS_TOKEN": TOKEN}

    default = client_from_config(config)
    chosen = client_from_config({**config, "SHOPIFY_API_VERSION": "2026-01"})

    assert API_VERSION == "2025-10"
    assert default.endpoint == "https://shop.myshopify.com/admin/api/2025-10/graphql.json"
    assert chosen.endpoint == "https://shop.myshopify.com/admin/api/2026-01/graphql.json"


def test_the_api_version_is_read_from_the_environment():
    # A fresh interpreter: the settings are read once, when app.config is imported.
    env = {**os.environ, "SHOPIFY_API_VERSION": "2026-04"}
    code = "from app.config import Config; print(Config.SHOPIFY_API_VERSION)"
    read = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )

    assert read.stdout.strip() == "2026-04"


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


def test_new_products_are_created_with_a_derived_price_and_their_stock(app, shop, client):
    shop.products = [
        product(1, "Trail Bottle", "8.00", stock=7, product_type="Gear"),
        product(2, "Gift Card", "15.00", stock=-3, product_type=""),
        product(3, "Hidden Draft", "5.00", status="DRAFT"),
    ]

    result = sync_catalogue(client)

    assert (len(result.created), len(result.updated), len(result.deactivated)) == (2, 0, 0)
    rows = catalogue()
    assert set(rows) == {"1", "2"}
    bottle = rows["1"]
    assert (bottle.title, bottle.category, bottle.coin_price) == ("Trail Bottle", "Gear", 800)
    assert bottle.stock_quantity == 7
    assert bottle.description == "All about Trail Bottle & more."
    assert (bottle.sku, bottle.shopify_variant_id) == ("SKU-100", "100")
    assert bottle.image_url == "https://cdn.example/1.jpg"
    assert bottle.is_active and not bottle.price_set_by_admin
    assert bottle.variants == []  # a lone "Default Title" variant is no choice
    assert (rows["2"].category, rows["2"].stock_quantity) == ("Other", 0)


def test_variants_become_choices_with_their_own_stock_and_coin_price(app, shop, client):
    shop.products = [shirt((701, "S", "20.00", 3), (702, "M", "22.50", 0), (703, "L", "25", 4))]

    result = sync_catalogue(client)

    assert result.variants_created == 3
    row = catalogue()["7"]
    found = variants_of("7")
    assert {k: (v.title, v.coin_price, v.stock, v.position) for k, v in found.items()} == {
        "701": ("S", 2000, 3, 1),
        "702": ("M", 2250, 0, 2),
        "703": ("L", 2500, 4, 3),
    }
    assert found["702"].options == [{"name": "Size", "value": "M"}]
    assert found["701"].sku == "SKU-701"
    assert (row.stock_quantity, row.coin_price) == (7, 2000)  # the sum; "from" the lowest
    assert row.has_variants


def test_a_resync_updates_variants_keeps_admin_prices_and_deactivates_removed_ones(
    app, shop, client
):
    shop.products = [shirt((701, "S", "20.00", 3), (702, "M", "20.00", 5), (703, "L", "20", 1))]
    sync_catalogue(client)
    variants_of("7")["702"].coin_price = 1500
    variants_of("7")["702"].price_set_by_admin = True
    db.session.commit()
    shop.products = [shirt((701, "S", "30.00", 9), (702, "M", "30.00", 2), (704, "XL", "31", 6))]

    result = sync_catalogue(client)

    found = variants_of("7")
    assert (found["701"].coin_price, found["701"].stock) == (3000, 9)
    assert (found["702"].coin_price, found["702"].stock) == (1500, 2)
    assert not found["703"].is_active
    assert (found["704"].title, found["704"].is_active) == ("XL", True)
    assert result.variants_deactivated == ["703"]
    assert (result.variants_created, result.variants_updated) == (1, 2)
    assert result.updated == ["7"]
    row = catalogue()["7"]
    assert (row.stock_quantity, row.coin_price) == (17, 1500)


def test_a_product_down_to_one_variant_is_a_plain_reward_again(app, shop, client):
    shop.products = [shirt((701, "S", "20.00", 3), (702, "M", "20.00", 5))]
    sync_catalogue(client)
    shop.products = [shirt((701, "S", "20.00", 4))]

    result = sync_catalogue(client)

    row = catalogue()["7"]
    assert not row.has_variants
    assert sorted(result.variants_deactivated) == ["701", "702"]
    assert (row.stock_quantity, row.shopify_variant_id) == (4, "701")


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
    shop.products = [product(1, "New name", "50.00", stock=3), product(2, "Socks", "7.25", stock=9)]

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
    shop.products = [product(1, "Stays", "1.00"), product(9, "Drafted", "1.00", status="ARCHIVED")]

    result = sync_catalogue(client)

    rows = catalogue()
    assert not rows["8"].is_active
    assert not rows["9"].is_active
    assert rows["1"].is_active
    assert sorted(result.deactivated) == ["8", "9"]
    assert db.session.get(RewardProduct, own.id).is_active


def test_a_second_sync_with_nothing_new_changes_nothing(app, shop, client):
    shop.products = [product(1, "Bottle", "8.00"), shirt((701, "S", "20", 1), (702, "M", "20", 2))]
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


def test_the_job_syncs_through_throttling_and_records_its_counts(app, shop, sleeps):
    app.config.update(SHOPIFY_STORE_URL=shop.url, SHOPIFY_ACCESS_TOKEN=TOKEN)
    shop.products = [product(i, f"Item {i}", "3.00") for i in range(1, 4)]
    shop.query_cost = 300
    shop.throttle_next(available=250.0)

    result = run_job("shopify_sync", now=NOW, sleep=sleeps.append)

    assert result.outcome == "success"
    assert sleeps == [1.0]
    assert result.rows_touched == 3
    assert result.details["created"] == 3
    run = db.session.execute(select(JobRun)).scalar_one()
    assert run.details["fetched"] == 3
    assert run.details["throttled_seconds"] == 1.0
    assert len(catalogue()) == 3


def test_a_graphql_error_is_a_failed_run_with_its_message_and_changes_nothing(app, shop, sleeps):
    app.config.update(SHOPIFY_STORE_URL=shop.url, SHOPIFY_ACCESS_TOKEN=TOKEN)
    shop.products = [product(1, "Bottle", "8.00")]
    shop.error_next("Access denied for products field.", "ACCESS_DENIED")

    result = run_job("shopify_sync", now=NOW, sleep=sleeps.append)

    assert result.outcome == "failed"
    run = db.session.execute(select(JobRun)).scalar_one()
    assert run.outcome == "failed"
    assert "ShopifyError" in run.error_text
    assert "ACCESS_DENIED" in run.error_text
    assert catalogue() == {}


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
