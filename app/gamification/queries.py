"""Reads for the achievement and referral pages."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models.gamification import Achievement, UserAchievement
from app.models.users import Referral, User


def latest_unlocked(user_id: int, limit: int = 3) -> list[tuple[UserAchievement, Achievement]]:
    """The member's most recently unlocked achievements, newest first."""
    rows = db.session.execute(
        select(UserAchievement, Achievement)
        .join(Achievement, Achievement.id == UserAchievement.achievement_id)
        .where(UserAchievement.user_id == user_id)
        .order_by(UserAchievement.unlocked_at.desc(), UserAchievement.id.desc())
        .limit(limit)
    ).all()
    return [(unlocked, achievement) for unlocked, achievement in rows]


def invited_by(referrer_id: int) -> list[tuple[Referral, User]]:
    """Everyone this member invited (the referral and the invited member), newest first."""
    rows = db.session.execute(
        select(Referral, User)
        .join(User, User.id == Referral.referred_id)
        .where(Referral.referrer_id == referrer_id)
        .order_by(Referral.id.desc())
    ).all()
    return [(referral, member) for referral, member in rows]
