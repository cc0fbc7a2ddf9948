"""Opaque cursors for keyset pagination: stable under inserts, unlike offsets."""

from __future__ import annotations

import base64
import json

from app.api.operations import ApiError


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"id": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))["id"]
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**62:
            return value
    except (ValueError, KeyError, TypeError):
        pass
    raise ApiError(422, "validation_error", "The cursor is not valid.", [{"field": "cursor"}])
