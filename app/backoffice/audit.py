"""The admin audit trail: written in the same transaction as the change it describes."""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context, request

from app.extensions import db
from app.models.admin import AdminLog
from app.models.base import utcnow


def record_admin_action(
    admin_id: int | None,
    action: str,
    entity_type: str,
    entity_id: object | None = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
) -> AdminLog:
    ip_address = user_agent = token_name = None
    if has_request_context():
        ip_address = request.remote_addr
        user_agent = (request.user_agent.string or "")[:400] or None
        # Set by the admin API for the request a personal access token authenticated.
        token_name = g.get("admin_token_name")
    entry = AdminLog(
        admin_id=admin_id,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        before=before,
        after=after,
        note=note,
        ip_address=ip_address,
        user_agent=user_agent,
        token_name=token_name,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def set_active_flag(entity: Any, active: bool, *, admin_id: int, entity_type: str) -> None:
    """Switch a catalogue row (a product, an achievement) on or off; audited when it changes."""
    if entity.is_active == active:
        return
    entity.is_active = active
    entity.updated_at = utcnow()
    record_admin_action(
        admin_id,
        f"{entity_type}.{'activate' if active else 'deactivate'}",
        entity_type,
        entity.id,
        before={"is_active": not active},
        after={"is_active": active},
    )
