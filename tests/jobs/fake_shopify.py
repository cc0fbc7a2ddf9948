"""A local fake of the Shopify Admin REST API: products (paginated by Link header) and
inventory levels, on 127.0.0.1 with a free port, with scripted failures (429, 5xx)."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "shpat_test_token"
API = "/admin/api/2024-10"


@dataclass
class ScriptedFailure:
    status: int
    headers: dict[str, str] = field(default_factory=dict)


def product(
    product_id: int,
    title: str,
    price: str,
    *,
    stock: int | None = 5,
    status: str = "active",
    product_type: str = "Gear",
    sku: str | None = None,
) -> dict[str, Any]:
    """A product as Shopify sends it; inventory item id = product id * 10."""
    return {
        "id": product_id,
        "title": title,
        "body_html": f"<p>All about <strong>{title}</strong> &amp; more.</p>",
        "product_type": product_type,
        "status": status,
        "image": {"src": f"https://cdn.example/{product_id}.jpg"},
        "variants": [
            {
                "id": product_id * 100,
                "position": 1,
                "price": price,
                "sku": sku or f"SKU-{product_id}",
                "inventory_item_id": product_id * 10,
                "inventory_quantity": stock or 0,
                "inventory_management": "shopify" if stock is not None else None,
            },
            {
                "id": product_id * 100 + 1,
                "position": 2,
                "price": "999.00",
                "inventory_item_id": product_id * 10 + 1,
                "inventory_management": "shopify",
            },
        ],
    }


class FakeShopify:
    def __init__(self, products: list[dict[str, Any]] | None = None, *, page_size: int = 2):
        self.products = products or []
        self.page_size = page_size
        # Inventory per item, split over two locations to check that levels are summed.
        self.inventory: dict[int, int] = {}
        self.failures: deque[ScriptedFailure] = deque()
        self.requests: list[str] = []
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

    def _products_page(self, query: dict[str, list[str]]) -> tuple[dict, str | None]:
        offset = int(query.get("page_info", ["0"])[0])
        page = self.products[offset : offset + self.page_size]
        following = offset + self.page_size
        link = None
        if following < len(self.products):
            link = f'<{self.url}{API}/products.json?limit=250&page_info={following}>; rel="next"'
            if offset:
                link = f'<{self.url}{API}/products.json?page_info=0>; rel="previous", ' + link
        return {"products": page}, link

    def _inventory(self, query: dict[str, list[str]]) -> dict:
        ids = [int(i) for i in query.get("inventory_item_ids", [""])[0].split(",") if i]
        levels = []
        for item in ids:
            units = self.inventory.get(item, 0)
            for location, share in ((1, units // 2), (2, units - units // 2)):
                levels.append(
                    {"inventory_item_id": item, "location_id": location, "available": share}
                )
        return {"inventory_levels": levels}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

            def do_GET(self) -> None:
                fake.requests.append(self.path)
                fake.tokens_seen.append(self.headers.get("X-Shopify-Access-Token"))
                if fake.failures:
                    failure = fake.failures.popleft()
                    self._send(failure.status, {"errors": "scripted"}, failure.headers)
                    return
                if self.headers.get("X-Shopify-Access-Token") != TOKEN:
                    self._send(401, {"errors": "Invalid API key or access token"})
                    return
                parsed = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(parsed.query)
                if parsed.path == f"{API}/products.json":
                    body, link = fake._products_page(query)
                    self._send(200, body, {"Link": link} if link else {})
                elif parsed.path == f"{API}/inventory_levels.json":
                    self._send(200, fake._inventory(query))
                else:
                    self._send(404, {"errors": "Not Found"})

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
