"""In-app notifications (SPEC §4)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models.notifications import Notification


def notify(user_id: int, kind: str, title: str, body: str = "", link: str | None = None) -> None:
    db.session.add(Notification(user_id=user_id, kind=kind, title=title, body=body, link=link))


def unread_count(user_id: int) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ).scalar_one()
