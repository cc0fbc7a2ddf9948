"""The nightly achievements sweep: every active member evaluated, missed awards repaired.

The evaluation is set-based: every member's facts come from a few grouped queries
(`achievements.facts_of_members`), the criteria are checked against them in memory, and
only members with something due are touched, each in the same way `achievements.evaluate`
would (unique unlock row + ledger key, so the sweep awards exactly what a missed or failed
evaluation at sync time left out, and never twice).
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
from app.models.gamification import Achievement, UserAchievement
from app.models.users import User, UserStatus

MEMBERS_PER_TRANSACTION = 500


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
    """Evaluate every active member (or `user_ids`); the members with something due are
    awarded MEMBERS_PER_TRANSACTION per transaction."""
    when = now or utcnow()
    ids = active_member_ids() if user_ids is None else user_ids
    due = _due(ids)
    db.session.commit()  # end the read; each chunk below is its own short write transaction
    result = RepairResult(members_checked=len(ids))
    owed = sorted(due)
    by_id = {a.id: a for a in db.session.execute(select(Achievement)).scalars()}
    for start in range(0, len(owed), MEMBERS_PER_TRANSACTION):
        members = owed[start : start + MEMBERS_PER_TRANSACTION]
        chunk = {uid: [by_id[a] for a in due[uid]] for uid in members}
        with transaction():
            if achievements.unlock_many(chunk, when):
                result.unlocked += [(uid, a.code) for uid, items in chunk.items() for a in items]
                continue
            # Someone unlocked one of these meanwhile (a sync): one member at a time.
            for user_id, items in chunk.items():
                for achievement in achievements.unlock(user_id, items, when):
                    result.unlocked.append((user_id, achievement.code))
    if progress is not None:
        progress(len(ids))
    return result


def _due(user_ids: list[int]) -> dict[int, list[int]]:
    """Achievement ids each member meets and has not unlocked, in sort order."""
    active = list(
        db.session.execute(
            select(Achievement.id, Achievement.unlock_criteria)
            .where(Achievement.is_active)
            .order_by(Achievement.sort_order)
        ).all()
    )
    if not active or not user_ids:
        return {}
    wanted = set(user_ids)
    # Everyone's facts at once; filtering by a 100K-id IN list would cost more than it saves.
    facts = achievements.facts_of_members(None if len(wanted) > 1000 else wanted)
    unlocked: dict[int, set[int]] = {}
    for user_id, achievement_id in db.session.execute(
        select(UserAchievement.user_id, UserAchievement.achievement_id)
    ):
        unlocked.setdefault(user_id, set()).add(achievement_id)
    due: dict[int, list[int]] = {}
    for user_id in user_ids:
        mine = facts.get(user_id, achievements.NO_FACTS)
        have = unlocked.get(user_id, set())
        met = [
            achievement_id
            for achievement_id, criteria in active
            if achievement_id not in have and achievements.criteria_fraction(criteria, mine) >= 1.0
        ]
        if met:
            due[user_id] = met
    return due
