"""Reading the admin audit trail (`admin_logs`) for /admin/audit: filters, pages, diffs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models.admin import AdminLog
from app.models.users import User


@dataclass(frozen=True)
class AuditFilters:
    admin_id: int | None = None
    action: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def as_args(self) -> dict[str, str]:
        """The filters as query-string arguments (for links to more pages)."""
        values = {
            "admin": self.admin_id,
            "action": self.action,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
        }
        return {key: str(value) for key, value in values.items() if value is not None}


@dataclass(frozen=True)
class DiffLine:
    key: str
    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class AuditEntry:
    log: AdminLog
    admin: User | None

    @property
    def diff(self) -> list[DiffLine]:
        return diff_lines(self.log.before, self.log.after)


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    next_before_id: int | None  # pass as `before` for the next (older) page


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def search(filters: AuditFilters, *, before_id: int | None = None, limit: int = 50) -> AuditPage:
    """Entries matching every filter, newest first; keyset pages by id."""
    query = (
        select(AdminLog, User)
        .outerjoin(User, User.id == AdminLog.admin_id)
        .order_by(AdminLog.id.desc())
        .limit(limit + 1)
    )
    if filters.admin_id is not None:
        query = query.where(AdminLog.admin_id == filters.admin_id)
    if filters.action:
        query = query.where(AdminLog.action == filters.action)
    if filters.entity_type:
        query = query.where(AdminLog.entity_type == filters.entity_type)
    if filters.entity_id:
        query = query.where(AdminLog.entity_id == filters.entity_id)
    if filters.date_from:
        query = query.where(AdminLog.created_at >= _start_of(filters.date_from))
    if filters.date_to:
        query = query.where(AdminLog.created_at < _start_of(filters.date_to + timedelta(days=1)))
    if before_id is not None:
        query = query.where(AdminLog.id < before_id)
    rows = db.session.execute(query).all()
    entries = [AuditEntry(log, admin) for log, admin in rows[:limit]]
    more = len(rows) > limit
    return AuditPage(entries=entries, next_before_id=entries[-1].log.id if more else None)


@dataclass(frozen=True)
class FilterChoices:
    admins: list[tuple[int, str]]
    actions: list[str]
    entity_types: list[str]


def filter_choices() -> FilterChoices:
    """The admins, actions and entity types that occur in the log, for the filter menus."""
    admins = db.session.execute(
        select(User.id, User.full_name, User.email)
        .where(User.id.in_(select(AdminLog.admin_id).distinct()))
        .order_by(User.full_name)
    ).all()
    actions = db.session.execute(
        select(AdminLog.action).distinct().order_by(AdminLog.action)
    ).scalars()
    types = db.session.execute(
        select(AdminLog.entity_type).distinct().order_by(AdminLog.entity_type)
    ).scalars()
    return FilterChoices(
        admins=[(row.id, f"{row.full_name} ({row.email})") for row in admins],
        actions=list(actions),
        entity_types=list(types),
    )


def _readable(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:,}"
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def diff_lines(before: dict | None, after: dict | None) -> list[DiffLine]:
    """One line per key in either side, in first-seen order; a missing side shows as None."""
    before = before or {}
    after = after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [
        DiffLine(
            key=key,
            before=_readable(before[key]) if key in before else None,
            after=_readable(after[key]) if key in after else None,
        )
        for key in keys
    ]
