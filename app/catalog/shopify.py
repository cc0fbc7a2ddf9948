"""The Shopify catalogue (SPEC §4): a small Admin REST API client and the nightly upsert.

Client (stdlib urllib, no extra dependency):
- products with their variants, then inventory levels of the variants' inventory items;
- cursor pagination by the `Link: <…>; rel="next"` header, followed only on the store's
  own host (the access token is never sent anywhere else);
- retries with exponential backoff on 429 (honouring `Retry-After`), 5xx and network
  errors/timeouts; any other 4xx fails at once. The sleep function is injectable.

Sync rules (`sync_catalogue`):
- one reward product per Shopify product, matched by `shopify_product_id`; it takes the
  first variant's price, SKU and stock (available units summed over locations; an
  untracked variant uses its `inventory_quantity`; never below 0);
- Shopify's status governs `is_active` for synced products: active → active; draft,
  archived or gone from the store → deactivated (never deleted: orders reference them);
- coin price rule: `coin_price_for(price)` = price * 100 coins per unit of the shop's
  currency, rounded up to the next 10 coins, at least 10. A new product always gets it; an
  existing one follows the shop price, unless `price_set_by_admin` — then its coin price
  is never touched;
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
from email.message import Message
from typing import Any

from sqlalchemy import select

from app.catalog import wishlist
from app.core.db import transaction
from app.extensions import db
from app.models.catalog import RewardProduct

API_VERSION = "2024-10"
PAGE_SIZE = 250
INVENTORY_IDS_PER_REQUEST = 50  # Shopify's limit for inventory_item_ids
COINS_PER_CURRENCY_UNIT = 100
COIN_PRICE_STEP = 10
DEFAULT_CATEGORY = "Other"
USER_AGENT = "FitKart catalogue sync"

_LINK_PART = re.compile(r'<([^>]+)>\s*;\s*rel="?([a-z]+)"?')
_TAG = re.compile(r"<[^>]+>")


class ShopifyError(Exception):
    """The store could not be read (after retries) or answered something unusable."""


@dataclass(frozen=True)
class ShopifyVariant:
    id: str
    price: Decimal
    sku: str | None
    inventory_item_id: str | None
    inventory_quantity: int | None
    tracked: bool


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


@dataclass
class CatalogueSyncResult:
    fetched: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    unchanged: int = 0
    price_kept_by_admin: int = 0

    @property
    def rows_touched(self) -> int:
        return len(self.created) + len(self.updated) + len(self.deactivated)

    def as_details(self) -> dict[str, Any]:
        return {
            "fetched": self.fetched,
            "created": len(self.created),
            "updated": len(self.updated),
            "deactivated": len(self.deactivated),
            "unchanged": self.unchanged,
            "price_kept_by_admin": self.price_kept_by_admin,
            "deactivated_shopify_ids": self.deactivated[:100],
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
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.base_url = normalise_store_url(store_url)
        self._origin = urllib.parse.urlsplit(self.base_url)[:2]
        self._token = access_token
        self.api_version = api_version
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self._sleep = sleep
        self.requests_made = 0

    def _url(self, resource: str, **params: object) -> str:
        query = urllib.parse.urlencode(params)
        return f"{self.base_url}/admin/api/{self.api_version}/{resource}.json?{query}"

    def product_pages(self) -> Iterator[list[ShopifyProduct]]:
        """Every product of the store, a page at a time."""
        url: str | None = self._url("products", limit=PAGE_SIZE)
        while url is not None:
            body, url = self._get_page(url)
            yield [_product(raw) for raw in _list_of(body, "products")]

    def products(self) -> list[ShopifyProduct]:
        return [product for page in self.product_pages() for product in page]

    def inventory_available(self, inventory_item_ids: list[str]) -> dict[str, int]:
        """Units available per inventory item, summed over every location."""
        available: dict[str, int] = {}
        for start in range(0, len(inventory_item_ids), INVENTORY_IDS_PER_REQUEST):
            ids = ",".join(inventory_item_ids[start : start + INVENTORY_IDS_PER_REQUEST])
            url: str | None = self._url("inventory_levels", inventory_item_ids=ids, limit=PAGE_SIZE)
            while url is not None:
                body, url = self._get_page(url)
                for level in _list_of(body, "inventory_levels"):
                    item = str(level.get("inventory_item_id"))
                    available[item] = available.get(item, 0) + _int(level.get("available"))
        return available

    def _get_page(self, url: str) -> tuple[Any, str | None]:
        body, headers = self._get(url)
        return body, self._next_link(headers.get("Link"))

    def _next_link(self, header: str | None) -> str | None:
        if not header:
            return None
        for target, rel in _LINK_PART.findall(header):
            if rel == "next":
                if urllib.parse.urlsplit(target)[:2] != self._origin:
                    raise ShopifyError(f"Refusing to follow a next page off the store: {target}")
                return target
        return None

    def _get(self, url: str) -> tuple[Any, Message]:
        request = urllib.request.Request(
            url,
            headers={
                "X-Shopify-Access-Token": self._token,
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
        )
        attempt = 0
        while True:
            attempt += 1
            self.requests_made += 1
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    payload = response.read()
                    headers = response.headers
                break
            except urllib.error.HTTPError as error:
                error.close()
                retryable = error.code == 429 or error.code >= 500
                if not retryable or attempt >= self.max_attempts:
                    raise ShopifyError(
                        f"Shopify answered {error.code} {error.reason} for {_path(url)}"
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
                        f"Shopify could not be reached for {_path(url)} after {attempt} "
                        f"attempts: {getattr(error, 'reason', error)}"
                    ) from None
                delay = self._delay(attempt, None)
            self._sleep(delay)
        try:
            return json.loads(payload), headers
        except ValueError:
            raise ShopifyError(f"Shopify sent something other than JSON for {_path(url)}") from None

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


# --- parsing Shopify's JSON ----------------------------------------------------------------


def _path(url: str) -> str:
    return urllib.parse.urlsplit(url).path


def _list_of(body: Any, key: str) -> list[dict[str, Any]]:
    items = body.get(key) if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise ShopifyError(f"Shopify's answer has no {key!r} list")
    return [item for item in items if isinstance(item, dict)]


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _text(body_html: str | None) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", body_html or "")).split())


def _product(raw: dict[str, Any]) -> ShopifyProduct:
    if raw.get("id") is None:
        raise ShopifyError("Shopify sent a product without an id")
    image = raw.get("image") or next(iter(raw.get("images") or []), None) or {}
    variants = sorted(
        (v for v in raw.get("variants") or [] if isinstance(v, dict) and v.get("id") is not None),
        key=lambda v: (_int(v.get("position")) or 1, _int(v.get("id"))),
    )
    return ShopifyProduct(
        id=str(raw["id"]),
        title=" ".join(str(raw.get("title") or "").split()) or f"Product {raw['id']}",
        description=_text(raw.get("body_html")),
        category=" ".join(str(raw.get("product_type") or "").split()) or DEFAULT_CATEGORY,
        image_url=(image.get("src") if isinstance(image, dict) else None) or None,
        status=str(raw.get("status") or "active"),
        variants=tuple(_variant(v) for v in variants),
    )


def _variant(raw: dict[str, Any]) -> ShopifyVariant:
    try:
        price = Decimal(str(raw.get("price") or "0"))
    except InvalidOperation:
        raise ShopifyError(f"Variant {raw.get('id')} has a price that is not a number") from None
    quantity = raw.get("inventory_quantity")
    item = raw.get("inventory_item_id")
    return ShopifyVariant(
        id=str(raw["id"]),
        price=price,
        sku=(str(raw["sku"]).strip() or None) if raw.get("sku") else None,
        inventory_item_id=str(item) if item is not None else None,
        inventory_quantity=_int(quantity) if quantity is not None else None,
        # Shopify tracks stock only when the variant says so; otherwise its levels mean little.
        tracked=raw.get("inventory_management") == "shopify",
    )


# --- the sync --------------------------------------------------------------------------------


def fetch_catalogue(
    client: ShopifyClient, *, progress: Callable[[int], object] | None = None
) -> tuple[list[ShopifyProduct], dict[str, int]]:
    """Every product and the stock of each product's first variant (all from the network)."""
    products: list[ShopifyProduct] = []
    for page in client.product_pages():
        products.extend(page)
        if progress is not None:
            progress(len(page))
    tracked = [
        p.variants[0].inventory_item_id
        for p in products
        if p.variants and p.variants[0].tracked and p.variants[0].inventory_item_id
    ]
    levels = client.inventory_available(tracked) if tracked else {}
    stock: dict[str, int] = {}
    for product in products:
        if not product.variants:
            continue
        variant = product.variants[0]
        if variant.tracked and variant.inventory_item_id in levels:
            units = levels[variant.inventory_item_id]
        else:
            units = variant.inventory_quantity or 0
        stock[product.id] = max(units, 0)
    return products, stock


def sync_catalogue(
    client: ShopifyClient,
    *,
    coins_per_unit: int = COINS_PER_CURRENCY_UNIT,
    progress: Callable[[int], object] | None = None,
) -> CatalogueSyncResult:
    """Read the store, then upsert `reward_products` in one transaction."""
    products, stock = fetch_catalogue(client, progress=progress)
    result = CatalogueSyncResult(fetched=len(products))
    with transaction():
        existing = {
            row.shopify_product_id: row
            for row in db.session.execute(
                select(RewardProduct).where(RewardProduct.shopify_product_id.is_not(None))
            ).scalars()
        }
        if not products and any(row.is_active for row in existing.values()):
            raise ShopifyError(
                "Shopify returned no products at all; refusing to deactivate the whole "
                "synced catalogue. Check the store, or deactivate products by hand."
            )
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
                db.session.add(_new_row(product, stock[product.id], coins_per_unit))
                result.created.append(product.id)
                continue
            stock_before, price_before = row.stock_quantity, row.coin_price
            changed, kept = _apply(row, product, stock[product.id], coins_per_unit)
            result.price_kept_by_admin += int(kept)
            if changed:
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


def _fields(product: ShopifyProduct, units: int) -> dict[str, Any]:
    variant = product.variants[0]
    return {
        "title": product.title[:200],
        "description": product.description,
        "category": product.category[:60],
        "image_url": product.image_url[:500] if product.image_url else None,
        "stock_quantity": units,
        "sku": variant.sku[:64] if variant.sku else None,
        "shopify_variant_id": variant.id,
        "is_active": True,
    }


def _new_row(product: ShopifyProduct, units: int, coins_per_unit: int) -> RewardProduct:
    return RewardProduct(
        shopify_product_id=product.id,
        coin_price=coin_price_for(product.variants[0].price, coins_per_unit=coins_per_unit),
        price_set_by_admin=False,
        **_fields(product, units),
    )


def _apply(
    row: RewardProduct, product: ShopifyProduct, units: int, coins_per_unit: int
) -> tuple[bool, bool]:
    """Bring an existing row up to date. Returns (anything changed, admin price kept)."""
    wanted = _fields(product, units)
    if not row.price_set_by_admin:
        wanted["coin_price"] = coin_price_for(
            product.variants[0].price, coins_per_unit=coins_per_unit
        )
    changed = False
    for name, value in wanted.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed, row.price_set_by_admin
