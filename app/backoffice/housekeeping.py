"""Clean-up of rows that have outlived their use: expired refresh tokens and idempotency keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from app.core.db import rows_affected
from app.models.admin import IdempotencyKey
from app.models.users import RefreshToken


def delete_expired_refresh_tokens(now: datetime) -> int:
    """Expired tokens can no longer be used, so rotated ones need no keeping for reuse checks."""
    return rows_affected(delete(RefreshToken).where(RefreshToken.expires_at < now))


def delete_expired_idempotency_keys(now: datetime) -> int:
    """After expiry a key no longer replays its answer; the row is only weight."""
    return rows_affected(delete(IdempotencyKey).where(IdempotencyKey.expires_at < now))
