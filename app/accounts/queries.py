"""Reads of a member's sign-ins for the admin's view of a member."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models.users import RefreshToken


def latest_refresh_tokens(user_id: int, limit: int = 20) -> list[RefreshToken]:
    """The member's phone tokens, newest first (revoked ones too)."""
    return list(
        db.session.execute(
            select(RefreshToken)
            .where(RefreshToken.user_id == user_id)
            .order_by(RefreshToken.id.desc())
            .limit(limit)
        ).scalars()
    )
