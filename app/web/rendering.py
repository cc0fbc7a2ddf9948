"""Rendering helpers shared by the member pages: full page or one htmx fragment."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Response, make_response, render_template, request, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block
from sqlalchemy.exc import SQLAlchemyError

# Events the page listens for (HX-Trigger) to refresh the header counters.
CART_CHANGED = "cart-changed"
NOTIFICATIONS_CHANGED = "notifications-changed"


def wants_fragment() -> bool:
    """An htmx request that will swap part of the page (not a boost or a history reload)."""
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return False
    return not htmx.boosted and not htmx.history_restore_request


def render_page(
    template: str,
    block: str | None = None,
    *,
    status: int = 200,
    triggers: tuple[str, ...] = (),
    **context: Any,
) -> Response:
    """The whole page, or just `block` of it for htmx; the answer varies on HX-Request."""
    if block is not None and wants_fragment():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    if triggers:
        response.headers["HX-Trigger"] = ", ".join(triggers)
    return response


def safe_next(target: str | None, default: str = "web.dashboard") -> str:
    """Only same-site paths: an open redirect would hand members to a phishing page."""
    if not target:
        return url_for(default)
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for(default)
    return target


def member_header() -> dict[str, int]:
    """Counters for the header: coins, cart items, unread notifications."""
    if not current_user.is_authenticated:
        return {"coins": 0, "cart": 0, "unread": 0}
    from app.core import notifications
    from app.core.db import discard_unfinished_work
    from app.orders import cart

    try:
        wallet = current_user.wallet
        return {
            "coins": wallet.available_coins if wallet else 0,
            "cart": cart.count(current_user.id),
            "unread": notifications.unread_count(current_user.id),
        }
    except SQLAlchemyError:
        # The header must not break an error page when the database is the problem.
        discard_unfinished_work()
        return {"coins": 0, "cart": 0, "unread": 0}
