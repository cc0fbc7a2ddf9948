"""Achievements: unlocked badges and progress bars toward the locked ones."""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.gamification import achievements as achievement_service
from app.gamification.streaks import STREAK_MIN_STEPS
from app.web import bp
from app.web.rendering import render_page

CRITERIA_UNITS = {
    "total_steps": "steps in total",
    "daily_steps": "steps in one day",
    "streak_days": "days in a row",
    "orders_count": "rewards shipped",
    "referrals_count": "friends invited",
    "team_size": "members on your team",
    "team_week_average": "team average steps in a week",
}


def _targets(criteria: dict, facts: achievement_service.MemberFacts) -> list[dict]:
    """Each criterion as "have / need unit", for the words under the bar."""
    rows = []
    for key, target in (criteria or {}).items():
        if key in CRITERIA_UNITS and isinstance(target, int) and target > 0:
            rows.append(
                {
                    "have": min(facts.value(key), target),
                    "need": target,
                    "unit": CRITERIA_UNITS[key],
                }
            )
    return rows


@bp.get("/achievements")
@login_required
def achievements_page() -> ResponseReturnValue:
    items = achievement_service.progress_for(current_user.id)
    facts = achievement_service.member_facts(current_user.id)
    cards: list[dict[str, Any]] = [
        {"progress": p, "targets": _targets(p.achievement.unlock_criteria, facts)} for p in items
    ]
    unlocked = [c for c in cards if c["progress"].unlocked_at is not None]
    locked = sorted(
        (c for c in cards if c["progress"].unlocked_at is None),
        key=lambda c: -c["progress"].fraction,
    )
    return render_page(
        "web/achievements.html",
        unlocked=sorted(unlocked, key=lambda c: c["progress"].unlocked_at, reverse=True),
        locked=locked,
        facts=facts,
        streak_minimum=STREAK_MIN_STEPS,
    )
