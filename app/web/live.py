"""GET /events: the member's live updates as server-sent events (htmx's sse extension)."""

from __future__ import annotations

from flask import Response
from flask_login import current_user

from app.core import live_events
from app.web import bp


@bp.get("/events")
def live_updates() -> Response:
    # EventSource cannot follow a login redirect usefully: a signed-out page gets a 401.
    if not current_user.is_authenticated:
        return Response("Sign in first.", status=401, mimetype="text/plain")
    return live_events.page_stream_response({live_events.channel_for(current_user.id)})
