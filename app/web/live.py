"""GET /events: the member's live updates as server-sent events (htmx's sse extension)."""

from __future__ import annotations

from flask import Response
from flask_login import current_user

from app.services import live_events
from app.web import bp


@bp.get("/events")
def live_updates() -> Response:
    # EventSource cannot follow a login redirect usefully: a signed-out page gets a 401.
    if not current_user.is_authenticated:
        return Response("Sign in first.", status=401, mimetype="text/plain")
    try:
        body = live_events.open_stream({live_events.channel_for(current_user.id)})
    except live_events.TooManyStreams as exc:
        return Response(
            "Too many live connections here; try again shortly.",
            status=503,
            mimetype="text/plain",
            headers={"Retry-After": str(exc.retry_after_seconds)},
        )
    return live_events.sse_response(body)
