"""GET /admin/events: the fraud queue's live updates (and the admin's own wallet)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, url_for
from flask_login import current_user
from markupsafe import Markup

from app.admin import bp
from app.core import live_events
from app.core.live_events import LiveEvent, sse_message

_CASE_WORDS = {
    "taken": "Being reviewed by {by}",
    "approved": "Approved by {by}",
    "rejected": "Rejected by {by}",
}


def _encoder(admin_id: int, queue_url: str) -> Callable[[LiveEvent], list[str]]:
    """Fraud-case events become the HTML the queue page swaps in; others stay JSON."""

    def encode(item: LiveEvent) -> list[str]:
        if item.name != "fraud-case":
            return live_events.json_encoder(item)
        data = item.data
        messages = [sse_message("fraud-count", str(int(data.get("open_count", 0))))]
        state = str(data.get("state", ""))
        if state == "new":
            notice = Markup('<a href="{url}">A new day to review arrived: show the queue</a>')
            messages.append(sse_message("fraud-new", notice.format(url=queue_url)))
        elif state in _CASE_WORDS:
            by = "you" if data.get("by_id") == admin_id else str(data.get("by") or "An admin")
            words = _CASE_WORDS[state].format(by=by)
            line = Markup('<span class="case-live case-live-{state}">{words}</span>').format(
                state=state, words=words
            )
            messages.append(sse_message(f"case-{int(data['id'])}", str(line)))
        return messages

    return encode


@bp.get("/events")
def live_updates() -> Response:
    channels = {live_events.ADMINS, live_events.channel_for(current_user.id)}
    encoder = _encoder(current_user.id, url_for("admin.fraud_queue"))
    return live_events.page_stream_response(channels, encoder)
