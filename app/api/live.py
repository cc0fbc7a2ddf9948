"""GET /api/v1/events: the same live updates the pages get, for the phone app."""

from __future__ import annotations

from flask import Response

from app.api import bp
from app.api.auth import current_member
from app.api.errors import json_error
from app.api.operations import operation
from app.core import live_events

EVENTS_DESCRIPTION = (
    "Server-sent events, one JSON object in each `data:` line. Events: `wallet` "
    "{available, frozen}; `steps` {days: [YYYY-MM-DD]}; `notification` {kind, title, link}; "
    "`order` {id, code, status}. A comment line (`: heartbeat`) every 15 s while idle; the "
    "stream ends after 5 minutes and the client reconnects (the `retry:` field says how "
    "soon). Events say what changed: refetch the resource; none is replayed on reconnect."
)


@operation(
    bp,
    "GET",
    "/events",
    summary="Live updates for the signed-in member (text/event-stream)",
    responses={200: None},
    errors=(503,),
    tags=["member"],
    stream=EVENTS_DESCRIPTION,
)
def live_updates() -> Response | tuple[Response, int]:
    member = current_member()
    try:
        body = live_events.open_stream({live_events.channel_for(member.id)})
    except live_events.TooManyStreams as exc:
        response, status = json_error(
            503, "too_many_streams", "Too many live connections here; try again shortly."
        )
        response.headers["Retry-After"] = str(exc.retry_after_seconds)
        return response, status
    return live_events.sse_response(body)
