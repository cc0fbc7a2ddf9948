"""Notifications: the list, mark as read, and the header badge that refreshes itself."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.core import notifications as notification_service
from app.core.request_values import is_htmx, query_int
from app.web import bp
from app.web.rendering import NOTIFICATIONS_CHANGED, member_header, render_page, safe_next

PAGE_SIZE = 30


@bp.get("/notifications")
@login_required
def notifications() -> ResponseReturnValue:
    before = query_int("before", minimum=1)
    items = notification_service.recent(current_user.id, limit=PAGE_SIZE + 1, before_id=before)
    return render_page(
        "web/notifications.html",
        items=items[:PAGE_SIZE],
        older=items[PAGE_SIZE - 1].id if len(items) > PAGE_SIZE else None,
        unread=notification_service.unread_count(current_user.id),
    )


@bp.get("/header-counts")
@login_required
def header_counts() -> ResponseReturnValue:
    """The header's coins, cart and unread badges, re-fetched on events and by polling."""
    return render_page("_header_counts.html", counts=member_header())


@bp.post("/notifications/<bigint:notification_id>/read")
@login_required
def mark_notification_read(notification_id: int) -> ResponseReturnValue:
    item = notification_service.mark_read(current_user.id, notification_id)
    if is_htmx():
        return render_page(
            "web/notifications.html",
            "item",
            triggers=(NOTIFICATIONS_CHANGED,),
            n=item,
        )
    if request.form.get("open") and item.link:
        return redirect(safe_next(item.link, default="web.notifications"))
    return redirect(url_for("web.notifications"))


@bp.post("/notifications/read-all")
@login_required
def mark_all_notifications_read() -> ResponseReturnValue:
    notification_service.mark_all_read(current_user.id)
    return redirect(url_for("web.notifications"))
