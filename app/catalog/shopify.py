"""The Shopify catalogue (SPEC §4): a small GraphQL Admin API client and the nightly upsert.

Client (stdlib urllib, no extra dependency), `POST /admin/api/{version}/graphql.json`:
- products with their variants (price, SKU, options, `inventoryQuantity` — the units
  available summed over locations) in pages of `PAGE_SIZE`, by cursor
  (`pageInfo { hasNextPage endCursor }`); a product with more than `VARIANTS_PER_PAGE`
  variants has the rest read by its own cursor;
- cost-based throttling: every answer's `extensions.cost.throttleStatus` says how many
  points are left and how fast they come back; before the next query the client waits
  until the points it asked for last time are there, and a `THROTTLED` answer is retried
  after the same computed wait;
- GraphQL `errors` (and any `userErrors`) fail the sync with their messages;
- retries with exponential backoff on 429 (honouring `Retry-After`), 5xx and network
  errors/timeouts; any other 4xx fails at once. The sleep function is injectable.

Sync rules (`sync_catalogue`):
- one reward product per Shopify product, matched by `shopify_product_id` (the numeric
  `legacyResourceId`, as the REST sync stored it);
- a product with one variant (Shopify's "Default Title") is a plain reward: it takes that
  variant's price, SKU and stock (never below 0);
- a product with several variants gets one `product_variants` row per variant, matched by
  `shopify_variant_id`, each with its own stock and coin price; variants gone from the
  store are deactivated (never deleted: orders reference them). The product shows the
  lowest variant price ("from") and the sum of their stock;
- Shopify's status governs `is_active` for synced products: active → active; draft,
  archived or gone from the store → deactivated (never deleted: orders reference them);
- coin price rule: `coin_price_for(price)` = price * 100 coins per unit of the shop's
  currency, rounded up to the next 10 coins, at least 10. A new product or variant always
  gets it; an existing one follows the shop price, unless `price_set_by_admin` — then its
  coin price is never touched;
- a store answering with no products at all while FitKart has active synced ones is
  treated as an error, not as "deactivate the whole catalogue".
"""

from __future__ import annotations

import html
import http.client
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from app.catalog import variants as catalogue_variants
from app.catalog import wishlist
from app.core.db import transaction
from app.extensions import db
from app.models.catalog import ProductVariant, RewardProduct

# A supported GraphQL Admin API version (Shopify supports each for at least a year);
# SHOPIFY_API_VERSION overrides it.
API_VERSION = "2025-10"
# 20 products x 20 variants asks for roughly 900 of the 1000 points one query may cost.
PAGE_SIZE = 20
VARIANTS_PER_PAGE = 20
COINS_PER_CURRENCY_UNIT = 100
COIN_PRICE_STEP = 10
DEFAULT_CATEGORY = "Other"
USER_AGENT = "FitKart catalogue sync"

_VARIANT_FIELDS = """
fragment CatalogueVariant on ProductVariant {
  legacyResourceId
  title
  price
  sku
  position
  inventoryQuantity
  selectedOptions { name value }
}
"""
PRODUCTS_QUERY = (
    """
query CatalogueProducts($first: Int!, $after: String, $variantsFirst: Int!) {
  products(first: $first, after: $after, sortKey: ID) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id
      legacyResourceId
      title
      descriptionHtml
      productType
      status
      featuredMedia { preview { image { url } } }
      variants(first: $variantsFirst) {
        pageInfo { hasNextPage endCursor }
        nodes { ...CatalogueVariant }
      }
    }
  }
}
"""
    + _VARIANT_FIELDS
)
VARIANTS_QUERY = (
    """
query ProductVariants($id: ID!, $first: Int!, $after: String) {
  product(id: $id) {
    variants(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { ...CatalogueVariant }
    }
  }
}
"""
    + _VARIANT_FIELDS
)

_TAG = re.compile(r"<[^>]+>")


class ShopifyError(Exception):
    """The store could not be read (after retries) or answered something unusable."""


@dataclass(frozen=True)
class ShopifyVariant:
    id: str
    title: str
    price: Decimal
    sku: str | None
    position: int
    stock: int
    options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ShopifyProduct:
    id: str
    title: str
    description: str
    category: str
    image_url: str | None
    status: str
    variants: tuple[ShopifyVariant, ...]

    @property
    def active(self) -> bool:
        return self.status == "active" and bool(self.variants)

    @property
    def has_choices(self) -> bool:
        """Several variants are choices for the member; a lone one is the product itself."""
        return len(self.variants) > 1


@dataclass(frozen=True)
class ThrottleStatus:
    """The store's query-cost bucket as its last answer reported it."""

    maximum: float
    available: float
    restore_rate: float

    def wait_for(self, cost: float) -> float:
        """Seconds until `cost` points are available again (0 when they already are)."""
        if cost <= self.available or self.restore_rate <= 0:
            return 0.0
        return (min(cost, self.maximum) - self.available) / self.restore_rate


@dataclass
class CatalogueSyncResult:
    fetched: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    unchanged: int = 0
    price_kept_by_admin: int = 0
    variants_created: int = 0
    variants_updated: int = 0
    variants_deactivated: list[str] = field(default_factory=list)

    @property
    def rows_touched(self) -> int:
        return (
            len(self.created)
            + len(self.updated)
            + len(self.deactivated)
            + self.variants_created
            + self.variants_updated
            + len(self.variants_deactivated)
        )

    def as_details(self) -> dict[str, Any]:
        return {
            "fetched": self.fetched,
            "created": len(self.created),
            "updated": len(self.updated),
            "deactivated": len(self.deactivated),
            "unchanged": self.unchanged,
            "price_kept_by_admin": self.price_kept_by_admin,
            "deactivated_shopify_ids": self.deactivated[:100],
            "variants_created": self.variants_created,
            "variants_updated": self.variants_updated,
            "variants_deactivated": len(self.variants_deactivated),
        }


def coin_price_for(
    price: Decimal, *, coins_per_unit: int = COINS_PER_CURRENCY_UNIT, step: int = COIN_PRICE_STEP
) -> int:
    """The coin price of a new product from its shop price (see the module docstring)."""
    coins = (max(price, Decimal(0)) * coins_per_unit / step).to_integral_value(ROUND_CEILING)
    return max(step, int(coins) * step)


class ShopifyClient:
    def __init__(
        self,
        store_url: str,
        access_token: str,
        *,
        api_version: str = API_VERSION,
        timeout: float = 20.0,
        max_attempts: int = 5,
        backoff_seconds: float = 1.0,
        max_backoff_seconds: float = 60.0,
        page_size: int = PAGE_SIZE,
        variants_per_page: int = VARIANTS_PER_PAGE,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.base_url = normalise_store_url(store_url)
        self._token = access_token
        self.api_version = api_version
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.page_size = page_size
        self.variants_per_page = variants_per_page
        self._sleep = sleep
        self.requests_made = 0
        self.throttled_seconds = 0.0
        self.throttle: ThrottleStatus | None = None
        # What each query asked for last time: the points to have before sending it again.
        self._requested_cost: dict[str, float] = {}

    @property
    def endpoint(self) -> str:
        return f"{self.base_url}/admin/api/{self.api_version}/graphql.json"

    def product_pages(self) -> Iterator[list[ShopifyProduct]]:
        """Every product of the store with all its variants, a page at a time."""
        after: str | None = None
        while True:
            data = self.query(
                PRODUCTS_QUERY,
                {"first": self.page_size, "after": after, "variantsFirst": self.variants_per_page},
            )
            connection = _connection(data.get("products"), "products")
            yield [self._complete_product(raw) for raw in connection["nodes"]]
            after = _next_cursor(connection)
            if after is None:
                return

    def products(self) -> list[ShopifyProduct]:
        return [product for page in self.product_pages() for product in page]

    def _complete_product(self, raw: dict[str, Any]) -> ShopifyProduct:
        variants = _connection(raw.get("variants"), "variants")
        nodes = list(variants["nodes"])
        after = _next_cursor(variants)
        while after is not None:
            data = self.query(
                VARIANTS_QUERY,
                {"id": raw.get("id"), "first": self.variants_per_page, "after": after},
            )
            product = data.get("product")
            if not isinstance(product, dict):
                raise ShopifyError(f"Product {raw.get('id')} vanished while reading its variants")
            more = _connection(product.get("variants"), "variants")
            nodes.extend(more["nodes"])
            after = _next_cursor(more)
        return _product(raw, nodes)

    def query(self, document: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        """One GraphQL query's `data`, paced by the cost bucket; THROTTLED is waited out."""
        attempt = 0
        while True:
            attempt += 1
            self._pace(self._requested_cost.get(document, 0.0))
            body = self._post({"query": document, "variables": dict(variables)})
            requested = self._note_cost(document, body)
            errors = body.get("errors")
            if errors and _is_throttled(errors) and attempt < self.max_attempts:
                wait = self.throttle.wait_for(requested) if self.throttle else 0.0
                self._wait(wait or self._delay(attempt, None))
                continue
            if errors:
                raise ShopifyError(f"Shopify's GraphQL API answered: {_messages(errors)}")
            data = body.get("data")
            if not isinstance(data, dict):
                raise ShopifyError("Shopify's GraphQL answer has no data")
            _raise_user_errors(data)
            return data

    def _pace(self, cost: float) -> None:
        if self.throttle is not None:
            wait = self.throttle.wait_for(cost)
            if wait > 0:
                self._wait(wait)

    def _wait(self, seconds: float) -> None:
        seconds = min(seconds, self.max_backoff_seconds)
        self.throttled_seconds += seconds
        self._sleep(seconds)
        if self.throttle is not None:
            # The bucket refilled while we waited; the next answer reports it exactly.
            refilled = self.throttle.available + seconds * self.throttle.restore_rate
            self.throttle = ThrottleStatus(
                self.throttle.maximum,
                min(self.throttle.maximum, refilled),
                self.throttle.restore_rate,
            )

    def _note_cost(self, document: str, body: dict[str, Any]) -> float:
        """Remember the bucket and what this query asked for; returns the requested cost."""
        cost = (body.get("extensions") or {}).get("cost")
        if not isinstance(cost, dict):
            return 0.0
        requested = _float(cost.get("requestedQueryCost"))
        self._requested_cost[document] = requested
        status = cost.get("throttleStatus")
        if isinstance(status, dict):
            self.throttle = ThrottleStatus(
                maximum=_float(status.get("maximumAvailable")),
                available=_float(status.get("currentlyAvailable")),
                restore_rate=_float(status.get("restoreRate")),
            )
        return requested

    def _post(self, payload: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(
            self.endpoint,
            data=json.dumps(payload).encode(),
            method="POST",
            headers={
                "X-Shopify-Access-Token": self._token,
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
        )
        path = urllib.parse.urlsplit(self.endpoint).path
        attempt = 0
        while True:
            attempt += 1
            self.requests_made += 1
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    raw = response.read()
                break
            except urllib.error.HTTPError as error:
                error.close()
                retryable = error.code == 429 or error.code >= 500
                if not retryable or attempt >= self.max_attempts:
                    raise ShopifyError(
                        f"Shopify answered {error.code} {error.reason} for {path}"
                        + (f" after {attempt} attempts" if retryable else "")
                    ) from None
                delay = self._delay(attempt, error.headers.get("Retry-After"))
            except (
                urllib.error.URLError,
                http.client.HTTPException,
                TimeoutError,
                ConnectionError,
            ) as error:
                if attempt >= self.max_attempts:
                    raise ShopifyError(
                        f"Shopify could not be reached for {path} after {attempt} "
                        f"attempts: {getattr(error, 'reason', error)}"
                    ) from None
                delay = self._delay(attempt, None)
            self._sleep(delay)
        try:
            body = json.loads(raw)
        except ValueError:
            raise ShopifyError(f"Shopify sent something other than JSON for {path}") from None
        if not isinstance(body, dict):
            raise ShopifyError(f"Shopify sent something other than a GraphQL answer for {path}")
        return body

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(max(float(retry_after), 0.0), self.max_backoff_seconds)
            except ValueError:
                pass  # an HTTP-date Retry-After: fall back to our own backoff
        return min(self.backoff_seconds * 2 ** (attempt - 1), self.max_backoff_seconds)


def normalise_store_url(store_url: str) -> str:
    url = store_url.strip().rstrip("/")
    if "://" not in url:
        url = "https://" + url
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ShopifyError(f"SHOPIFY_STORE_URL is not a store address: {store_url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def client_from_config(
    config: Mapping[str, Any], *, sleep: Callable[[float], object] = time.sleep
) -> ShopifyClient | None:
    """The configured store's client, or None when SHOPIFY_STORE_URL/ACCESS_TOKEN are unset."""
    store_url = config.get("SHOPIFY_STORE_URL")
    token = config.get("SHOPIFY_ACCESS_TOKEN")
    if not store_url or not token:
        return None
    return ShopifyClient(
        store_url,
        token,
        api_version=config.get("SHOPIFY_API_VERSION") or API_VERSION,
        timeout=float(config.get("SHOPIFY_TIMEOUT_SECONDS") or 20.0),
        sleep=sleep,
    )


# --- reading Shopify's GraphQL answers ----------------------------------------------------


def _connection(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not isinstance(value.get("nodes"), list):
        raise ShopifyError(f"Shopify's answer has no {name!r} connection")
    return {
        "nodes": [node for node in value["nodes"] if isinstance(node, dict)],
        "pageInfo": value.get("pageInfo") or {},
    }


def _next_cursor(connection: dict[str, Any]) -> str | None:
    info = connection["pageInfo"]
    if not info.get("hasNextPage"):
        return None
    cursor = info.get("endCursor")
    if not cursor:
        raise ShopifyError("Shopify said there is a next page but gave no cursor")
    return str(cursor)


def _is_throttled(errors: Any) -> bool:
    return isinstance(errors, list) and any(
        isinstance(e, dict) and (e.get("extensions") or {}).get("code") == "THROTTLED"
        for e in errors
    )


def _messages(errors: Any) -> str:
    if not isinstance(errors, list):
        return str(errors)[:500]
    parts = []
    for error in errors[:5]:
        if isinstance(error, dict):
            code = (error.get("extensions") or {}).get("code")
            parts.append(f"{error.get('message')}" + (f" ({code})" if code else ""))
        else:
            parts.append(str(error))
    return "; ".join(parts)[:500]


def _raise_user_errors(data: dict[str, Any]) -> None:
    """Mutations report refusals in `userErrors` beside their result, not in `errors`."""
    for name, result in data.items():
        user_errors = result.get("userErrors") if isinstance(result, dict) else None
        if user_errors:
            details = "; ".join(
                f"{'.'.join(map(str, e.get('field') or []))}: {e.get('message')}"
                if isinstance(e, dict)
                else str(e)
                for e in user_errors[:5]
            )
            raise ShopifyError(f"Shopify refused {name}: {details}"[:500])


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _text(body_html: str | None) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", body_html or "")).split())


def _legacy_id(raw: dict[str, Any], kind: str) -> str:
    legacy = raw.get("legacyResourceId")
    if legacy is None:
        gid = str(raw.get("id") or "")
        legacy = gid.rsplit("/", 1)[-1] if gid.startswith("gid://") else None
    if not legacy:
        raise ShopifyError(f"Shopify sent a {kind} without an id")
    return str(legacy)


def _image_url(raw: dict[str, Any]) -> str | None:
    media = raw.get("featuredMedia") or {}
    preview = media.get("preview") if isinstance(media, dict) else None
    image = preview.get("image") if isinstance(preview, dict) else None
    url = image.get("url") if isinstance(image, dict) else None
    return str(url) if url else None


def _product(raw: dict[str, Any], variant_nodes: list[dict[str, Any]]) -> ShopifyProduct:
    product_id = _legacy_id(raw, "product")
    variants = sorted(
        (_variant(v) for v in variant_nodes),
        key=lambda v: (v.position or 1, _int(v.id)),
    )
    return ShopifyProduct(
        id=product_id,
        title=" ".join(str(raw.get("title") or "").split()) or f"Product {product_id}",
        description=_text(raw.get("descriptionHtml")),
        category=" ".join(str(raw.get("productType") or "").split()) or DEFAULT_CATEGORY,
        image_url=_image_url(raw),
        status=str(raw.get("status") or "active").lower(),
        variants=tuple(variants),
    )


def _variant(raw: dict[str, Any]) -> ShopifyVariant:
    variant_id = _legacy_id(raw, "variant")
    try:
        price = Decimal(str(raw.get("price") or "0"))
    except InvalidOperation:
        raise ShopifyError(f"Variant {variant_id} has a price that is not a number") from None
    options = tuple(
        (str(o.get("name") or "").strip(), str(o.get("value") or "").strip())
        for o in raw.get("selectedOptions") or []
        if isinstance(o, dict)
    )
    title = " ".join(str(raw.get("title") or "").split())
    return ShopifyVariant(
        id=variant_id,
        title=title or " / ".join(value for _, value in options) or f"Variant {variant_id}",
        price=price,
        sku=(str(raw["sku"]).strip() or None) if raw.get("sku") else None,
        position=_int(raw.get("position")),
        stock=max(_int(raw.get("inventoryQuantity")), 0),
        options=options,
    )


# --- the sync --------------------------------------------------------------------------------


def fetch_catalogue(
    client: ShopifyClient, *, progress: Callable[[int], object] | None = None
) -> list[ShopifyProduct]:
    """Every product with all its variants and their stock (all from the network)."""
    products: list[ShopifyProduct] = []
    for page in client.product_pages():
        products.extend(page)
        if progress is not None:
            progress(len(page))
    return products


def sync_catalogue(
    client: ShopifyClient,
    *,
    coins_per_unit: int = COINS_PER_CURRENCY_UNIT,
    progress: Callable[[int], object] | None = None,
) -> CatalogueSyncResult:
    """Read the store, then upsert `reward_products` and their variants in one transaction."""
    products = fetch_catalogue(client, progress=progress)
    result = CatalogueSyncResult(fetched=len(products))
    with transaction():
        existing = {
            row.shopify_product_id: row
            for row in db.session.execute(
                select(RewardProduct).where(RewardProduct.shopify_product_id.is_not(None))
            ).scalars()
            if row.shopify_product_id is not None  # the query says so; this tells the types
        }
        if not products and any(row.is_active for row in existing.values()):
            raise ShopifyError(
                "Shopify returned no products at all; refusing to deactivate the whole "
                "synced catalogue. Check the store, or deactivate products by hand."
            )
        known_variants = {
            row.shopify_variant_id: row
            for row in db.session.execute(
                select(ProductVariant).where(ProductVariant.shopify_variant_id.is_not(None))
            ).scalars()
        }
        seen: set[str] = set()
        for product in products:
            seen.add(product.id)
            row = existing.get(product.id)
            if not product.active:
                if row is not None and row.is_active:
                    row.is_active = False
                    result.deactivated.append(product.id)
                elif row is not None:
                    result.unchanged += 1
                continue
            if row is None:
                row = RewardProduct(
                    shopify_product_id=product.id,
                    coin_price=coin_price_for(
                        product.variants[0].price, coins_per_unit=coins_per_unit
                    ),
                    price_set_by_admin=False,
                    **_fields(product),
                )
                db.session.add(row)
                db.session.flush()
                _sync_variants(row, product, known_variants, coins_per_unit, result)
                catalogue_variants.refresh_product_totals(row)
                result.created.append(product.id)
                continue
            stock_before, price_before = row.stock_quantity, row.coin_price
            variants_changed = _sync_variants(row, product, known_variants, coins_per_unit, result)
            changed, kept = _apply(row, product, coins_per_unit)
            result.price_kept_by_admin += int(kept)
            if changed or variants_changed:
                result.updated.append(product.id)
                wishlist.product_changed(row, stock_before=stock_before, price_before=price_before)
            else:
                result.unchanged += 1
        for shopify_id, row in existing.items():
            if shopify_id not in seen and row.is_active:
                row.is_active = False
                result.deactivated.append(shopify_id)
        db.session.flush()
    return result


def _fields(product: ShopifyProduct) -> dict[str, Any]:
    variant = product.variants[0]
    return {
        "title": product.title[:200],
        "description": product.description,
        "category": product.category[:60],
        "image_url": product.image_url[:500] if product.image_url else None,
        # With choices, the variant rows hold the stock; `_apply` sets their sum.
        "stock_quantity": 0 if product.has_choices else variant.stock,
        "sku": variant.sku[:64] if variant.sku else None,
        "shopify_variant_id": variant.id,
        "is_active": True,
    }


def _apply(row: RewardProduct, product: ShopifyProduct, coins_per_unit: int) -> tuple[bool, bool]:
    """Bring an existing row up to date. Returns (anything changed, admin price kept)."""
    wanted = _fields(product)
    if product.has_choices:
        wanted.update(catalogue_variants.product_totals(row))
    elif not row.price_set_by_admin:
        wanted["coin_price"] = coin_price_for(
            product.variants[0].price, coins_per_unit=coins_per_unit
        )
    return _set_all(row, wanted), row.price_set_by_admin and not product.has_choices


def _sync_variants(
    row: RewardProduct,
    product: ShopifyProduct,
    known: dict[str | None, ProductVariant],
    coins_per_unit: int,
    result: CatalogueSyncResult,
) -> bool:
    """Upsert the product's variant rows (only when they are choices); deactivate the rest.
    Returns whether any variant row changed."""
    changed = False
    wanted_ids: set[str] = set()
    if product.has_choices:
        for variant in product.variants:
            wanted_ids.add(variant.id)
            values: dict[str, Any] = {
                "title": variant.title[:200],
                "options": [{"name": name, "value": value} for name, value in variant.options],
                "sku": variant.sku[:64] if variant.sku else None,
                "stock": variant.stock,
                "position": variant.position or 1,
                "is_active": True,
            }
            price = coin_price_for(variant.price, coins_per_unit=coins_per_unit)
            existing = known.get(variant.id)
            if existing is None:
                new = ProductVariant(shopify_variant_id=variant.id, coin_price=price, **values)
                row.variants.append(new)
                known[variant.id] = new
                result.variants_created += 1
                changed = True
                continue
            if not existing.price_set_by_admin:
                values["coin_price"] = price
            if _set_all(existing, values):
                result.variants_updated += 1
                changed = True
        db.session.flush()
    for variant_row in row.variants:
        gone = variant_row.shopify_variant_id is not None and (
            variant_row.shopify_variant_id not in wanted_ids
        )
        if gone and variant_row.is_active:
            variant_row.is_active = False
            result.variants_deactivated.append(variant_row.shopify_variant_id)
            changed = True
    return changed


def _set_all(row: object, values: Mapping[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed
