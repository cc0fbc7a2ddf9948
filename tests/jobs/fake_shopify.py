"""A local fake of Shopify's GraphQL Admin API on 127.0.0.1 with a free port: products
with their variants by cursor (`first`/`after`, `pageInfo`), a query-cost bucket in every
answer's `extensions.cost`, and scripted trouble (HTTP 429/5xx, THROTTLED, GraphQL errors)."""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "shpat_test_token"
API_VERSION = "2025-10"
MAXIMUM_POINTS = 1000.0
RESTORE_RATE = 50.0


@dataclass
class ScriptedFailure:
    status: int
    headers: dict[str, str] = field(default_factory=dict)


def variant(
    variant_id: int,
    title: str,
    price: str,
    *,
    stock: int = 5,
    sku: str | None = None,
    position: int = 1,
    options: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A variant as the GraphQL Admin API sends it (the fields the sync asks for)."""
    return {
        "id": f"gid://shopify/ProductVariant/{variant_id}",
        "legacyResourceId": str(variant_id),
        "title": title,
        "price": price,
        "sku": sku if sku is not None else f"SKU-{variant_id}",
        "position": position,
        "inventoryQuantity": stock,
        "selectedOptions": [
            {"name": name, "value": value}
            for name, value in (options or {"Title": "Default Title"}).items()
        ],
    }


def product(
    product_id: int,
    title: str,
    price: str = "10.00",
    *,
    stock: int = 5,
    status: str = "ACTIVE",
    product_type: str = "Gear",
    sku: str | None = None,
    variants: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A product; without `variants` it has Shopify's single "Default Title" variant
    (id = product id * 100)."""
    return {
        "id": f"gid://shopify/Product/{product_id}",
        "legacyResourceId": str(product_id),
        "title": title,
        "descriptionHtml": f"<p>All about <strong>{title}</strong> &amp; more.</p>",
        "productType": product_type,
        "status": status,
        "featuredMedia": {"preview": {"image": {"url": f"https://cdn.example/{product_id}.jpg"}}},
        "variants": variants
        if variants is not None
        else [variant(product_id * 100, "Default Title", price, stock=stock, sku=sku)],
    }


def _page(items: list[Any], first: int, after: str | None) -> tuple[list[Any], dict[str, Any]]:
    start = int(after.removeprefix("cursor-")) if after else 0
    chunk = items[start : start + first]
    end = start + len(chunk)
    return chunk, {"hasNextPage": end < len(items), "endCursor": f"cursor-{end}" if chunk else None}


class FakeShopify:
    def __init__(self, products: list[dict[str, Any]] | None = None) -> None:
        self.products = products or []
        self.failures: deque[ScriptedFailure] = deque()
        # Answers in order, each replacing the normal one: GraphQL errors or THROTTLED.
        self.scripted: deque[dict[str, Any]] = deque()
        # Points left in the bucket after each answer (default: full); and what a query costs.
        self.available: deque[float] = deque()
        self.query_cost = 100.0
        self.requests: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.tokens_seen: list[str | None] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        # A short poll keeps shutdown() quick between tests.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeShopify:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def fail_next(self, status: int, times: int = 1, **headers: str) -> None:
        for _ in range(times):
            self.failures.append(ScriptedFailure(status, headers))

    def throttle_next(self, *, available: float, times: int = 1) -> None:
        for _ in range(times):
            self.scripted.append(
                {
                    "errors": [
                        {
                            "message": "Throttled",
                            "extensions": {"code": "THROTTLED", "documentation": "https://…"},
                        }
                    ],
                    "extensions": {"cost": self._cost(available, actual=None)},
                }
            )

    def error_next(self, message: str, code: str | None = None) -> None:
        error: dict[str, Any] = {"message": message, "locations": [{"line": 1, "column": 1}]}
        if code:
            error["extensions"] = {"code": code}
        self.scripted.append({"errors": [error]})

    def answer_next(self, body: dict[str, Any]) -> None:
        self.scripted.append(body)

    def _cost(self, available: float, *, actual: float | None) -> dict[str, Any]:
        return {
            "requestedQueryCost": self.query_cost,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": MAXIMUM_POINTS,
                "currentlyAvailable": available,
                "restoreRate": RESTORE_RATE,
            },
        }

    def _product_node(self, raw: dict[str, Any], variants_first: int) -> dict[str, Any]:
        nodes, info = _page(raw["variants"], variants_first, None)
        return {**raw, "variants": {"nodes": nodes, "pageInfo": info}}

    def _answer(self, request: dict[str, Any]) -> dict[str, Any]:
        query, variables = request.get("query") or "", request.get("variables") or {}
        if "query CatalogueProducts" in query:
            nodes, info = _page(self.products, int(variables["first"]), variables.get("after"))
            data: dict[str, Any] = {
                "products": {
                    "nodes": [
                        self._product_node(p, int(variables["variantsFirst"])) for p in nodes
                    ],
                    "pageInfo": info,
                }
            }
        elif "query ProductVariants" in query:
            found = next((p for p in self.products if p["id"] == variables.get("id")), None)
            if found is None:
                data = {"product": None}
            else:
                nodes, info = _page(
                    found["variants"], int(variables["first"]), variables.get("after")
                )
                data = {"product": {"variants": {"nodes": nodes, "pageInfo": info}}}
        else:
            return {"errors": [{"message": "Unknown query"}]}
        available = self.available.popleft() if self.available else MAXIMUM_POINTS
        return {"data": data, "extensions": {"cost": self._cost(available, actual=50.0)}}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                fake.paths.append(self.path)
                fake.tokens_seen.append(self.headers.get("X-Shopify-Access-Token"))
                if fake.failures:
                    failure = fake.failures.popleft()
                    self._send(failure.status, {"errors": "scripted"}, failure.headers)
                    return
                if self.headers.get("X-Shopify-Access-Token") != TOKEN:
                    self._send(401, {"errors": "[API] Invalid API key or access token"})
                    return
                if self.path != f"/admin/api/{API_VERSION}/graphql.json":
                    self._send(404, {"errors": "Not Found"})
                    return
                request = json.loads(raw)
                fake.requests.append(request)
                if fake.scripted:
                    self._send(200, fake.scripted.popleft())
                    return
                self._send(200, fake._answer(request))

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

        return Handler
