"""Refresh tokens for the phone API: random, stored hashed, rotated, family-revoked."""

from __future__ import annotations

from sqlalchemy import update

from app.extensions import db
from app.models.base import utcnow
from app.models.users import RefreshToken


def revoke_all_for_user(user_id: int, *, reason: str) -> int:
    """Revoke every live refresh token of a member. Returns how many."""
    result = db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    return result.rowcount or 0
