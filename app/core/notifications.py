"""In-app notifications (SPEC §4)."""

from __future__ import annotations

from sqlalchemy import func, select, update

from app.core.db import rows_affected, transaction
from app.core.errors import NotFound
from app.core.live_events import publish
from app.extensions import db
from app.models.base import utcnow
from app.models.notifications import Notification


def notify(user_id: int, kind: str, title: str, body: str = "", link: str | None = None) -> None:
    db.session.add(Notification(user_id=user_id, kind=kind, title=title, body=body, link=link))
    publish(user_id, "notification", {"kind": kind, "title": title, "link": link})


def unread_count(user_id: int) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ).scalar_one()


def recent(user_id: int, *, limit: int = 30, before_id: int | None = None) -> list[Notification]:
    """The member's notifications, newest first; `before_id` pages further back."""
    stmt = select(Notification).where(Notification.user_id == user_id)
    if before_id is not None:
        stmt = stmt.where(Notification.id < before_id)
    return list(db.session.execute(stmt.order_by(Notification.id.desc()).limit(limit)).scalars())


def mark_read(user_id: int, notification_id: int) -> Notification:
    """Mark one of the member's own notifications read (someone else's is not found)."""
    with transaction():
        item = db.session.get(Notification, notification_id)
        if item is None or item.user_id != user_id:
            raise NotFound("No such notification.")
        if item.read_at is None:
            item.read_at = utcnow()
    return item


def mark_all_read(user_id: int) -> int:
    """Mark every unread notification of the member read. Returns how many."""
    with transaction():
        marked = rows_affected(
            update(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .values(read_at=utcnow())
        )
    return marked
