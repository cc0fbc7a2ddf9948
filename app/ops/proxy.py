"""Behind a proxy: believe X-Forwarded-* from exactly TRUSTED_PROXIES hops, never more.

With the default 0 the headers are ignored, so a client cannot pick its own address (and
with it a fresh rate-limit bucket or a false audit-log IP) by sending X-Forwarded-For.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def trust_proxy_headers(app: Flask) -> None:
    hops = int(app.config.get("TRUSTED_PROXIES", 0))
    if hops < 0:
        raise RuntimeError("TRUSTED_PROXIES counts proxy hops: 0 or more")
    if hops == 0:
        return
    # Wrapping wsgi_app in middleware is Flask's documented way; mypy sees a method.
    app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
        app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
    )
