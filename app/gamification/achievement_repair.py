"""The nightly achievements sweep: every active member evaluated, missed awards repaired.

`achievements.evaluate` is safe to re-run (unique unlock row + ledger key), so the sweep
awards exactly what a missed or failed evaluation at sync time left out, and never twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.core.db import transaction
from app.extensions import db
from app.gamification import achievements
from app.models.base import utcnow
from app.models.users import User, UserStatus

MEMBERS_PER_TRANSACTION = 100


@dataclass
class RepairResult:
    members_checked: int = 0
    unlocked: list[tuple[int, str]] = field(default_factory=list)

    def as_details(self) -> dict[str, Any]:
        return {
            "members_checked": self.members_checked,
            "unlocked_count": len(self.unlocked),
            "unlocked": [{"user_id": uid, "code": code} for uid, code in self.unlocked][:200],
        }


def active_member_ids() -> list[int]:
    return list(
        db.session.execute(
            select(User.id)
            .where(User.status == UserStatus.ACTIVE, User.deleted_at.is_(None))
            .order_by(User.id)
        ).scalars()
    )


def repair_missed_achievements(
    *,
    now: datetime | None = None,
    user_ids: list[int] | None = None,
    progress: Callable[[int], object] | None = None,
) -> RepairResult:
    """Evaluate every active member (or `user_ids`); commits every MEMBERS_PER_TRANSACTION."""
    when = now or utcnow()
    ids = active_member_ids() if user_ids is None else user_ids
    db.session.commit()  # end the read; each chunk below is its own short write transaction
    result = RepairResult()
    for start in range(0, len(ids), MEMBERS_PER_TRANSACTION):
        chunk = ids[start : start + MEMBERS_PER_TRANSACTION]
        with transaction():
            for user_id in chunk:
                for achievement in achievements.evaluate(user_id, now=when):
                    result.unlocked.append((user_id, achievement.code))
        result.members_checked += len(chunk)
        if progress is not None:
            progress(len(chunk))
    return result
