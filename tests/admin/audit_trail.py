"""Reading back what the back-office pages wrote: admin_logs rows and fresh model rows."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models.admin import AdminLog

_HIDDEN_TOKEN = re.compile(r'name="token" type="hidden" value="([^"]+)"')


def admin_logs(action: str | None = None) -> list[AdminLog]:
    db.session.expire_all()
    query = select(AdminLog).order_by(AdminLog.id)
    if action is not None:
        query = query.where(AdminLog.action == action)
    return list(db.session.execute(query).scalars())


def import_token(html: str) -> str:
    match = _HIDDEN_TOKEN.search(html)
    assert match, "no import token on the preview page"
    return match.group(1)
