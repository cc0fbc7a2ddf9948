"""Member pages blueprint: one module per area, sharing rendering and error handling."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, request, url_for
from flask_login import current_user

from app.orders.orders import address_lines
from app.web.errors import register_error_handlers
from app.web.rendering import member_header

bp = Blueprint("web", __name__)
register_error_handlers(bp)


@bp.app_context_processor
def header_context() -> dict:
    # A callable: only pages that draw the member header pay for its queries.
    return {"member_header": member_header}


# The rules templates need, as functions: what an address looks like on a parcel.
bp.add_app_template_global(address_lines, "address_lines")


@bp.app_template_filter("local_time")
def local_time(value: datetime) -> datetime:
    """A stored UTC time in the member's own zone (UTC for visitors)."""
    zone = current_user.timezone if current_user.is_authenticated else "UTC"
    try:
        return value.astimezone(ZoneInfo(zone))
    except (ValueError, KeyError):
        return value


@bp.after_app_request
def redirect_htmx_to_login(response: Response) -> Response:
    """An htmx request whose session ended gets a full-page redirect, not a login form
    swapped into a corner of the page."""
    if (
        getattr(request, "htmx", False)
        and response.status_code in (301, 302, 303)
        and (response.location or "").startswith(url_for("auth.login"))
    ):
        response.headers["HX-Redirect"] = response.location
        response.status_code = 204
        response.headers.pop("Location", None)
    return response


from app.web import (  # noqa: E402  (routes register on import)
    achievements,
    challenges,
    friends,
    leaderboard,
    live,
    notifications,
    orders,
    pages,
    referrals,
    reviews,
    rewards,
    settings,
    steps,
    teams,
    wallet,
    wishlist,
)

__all__ = [
    "achievements",
    "bp",
    "challenges",
    "friends",
    "leaderboard",
    "live",
    "notifications",
    "orders",
    "pages",
    "referrals",
    "reviews",
    "rewards",
    "settings",
    "steps",
    "teams",
    "wallet",
    "wishlist",
]
