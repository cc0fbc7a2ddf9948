"""Links that leave the site (e-mails, share links): built on PUBLIC_BASE_URL, never on
the request's Host header, which a client chooses."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of `endpoint` on the configured public address."""
    path = url_for(endpoint, _external=False, **values)
    return current_app.config["PUBLIC_BASE_URL"] + path
