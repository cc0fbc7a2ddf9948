"""Achievement definitions as admins manage them: validated criteria, unique codes, audited.

A definition's `code` is fixed once created: members' unlocks and the ledger's
once-only keys refer to it, so renaming it could pay a badge twice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.backoffice.audit import record_admin_action, set_active_flag
from app.core import bounded_json
from app.core.db import transaction
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.models.base import utcnow
from app.models.gamification import CRITERIA_KEYS, Achievement, UserAchievement

CODE_PATTERN = re.compile(r"^[a-z0-9]+(?:[_-][a-z0-9]+)*$")
CODE_MAX = 50
NAME_MAX = 100
ICON_MAX = 50
DESCRIPTION_MAX = 2000
MAX_REWARD = 1_000_000
MAX_TARGET = 1_000_000_000
MAX_SORT_ORDER = 100_000
SNAPSHOT_FIELDS = (
    "code",
    "name",
    "description",
    "icon",
    "unlock_criteria",
    "reward_coins",
    "sort_order",
    "is_active",
)


@dataclass(frozen=True)
class AchievementRow:
    achievement: Achievement
    unlocked_count: int


def list_achievements(*, achievement_id: int | None = None) -> list[AchievementRow]:
    """Every definition (or just one) with how many members unlocked it."""
    unlocked = (
        select(UserAchievement.achievement_id, func.count().label("n"))
        .group_by(UserAchievement.achievement_id)
        .subquery()
    )
    query = (
        select(Achievement, func.coalesce(unlocked.c.n, 0))
        .outerjoin(unlocked, unlocked.c.achievement_id == Achievement.id)
        .order_by(Achievement.sort_order, Achievement.id)
    )
    if achievement_id is not None:
        query = query.where(Achievement.id == achievement_id)
    rows = db.session.execute(query).all()
    return [AchievementRow(achievement, int(count)) for achievement, count in rows]


def get_achievement(achievement_id: int) -> Achievement:
    achievement = db.session.get(Achievement, achievement_id)
    if achievement is None:
        raise NotFound("No such achievement.")
    return achievement


def parse_criteria(raw: str | Mapping[str, Any]) -> dict[str, int]:
    """A JSON object of CRITERIA_KEYS → positive whole targets, or ValidationFailed saying why."""
    allowed = ", ".join(CRITERIA_KEYS)
    if isinstance(raw, str):
        if not raw.strip():
            raise ValidationFailed(
                f'Give the unlock criteria as JSON, e.g. {{"total_steps": 100000}}. '
                f"Keys: {allowed}."
            )
        try:
            document = bounded_json.loads(raw)
        except bounded_json.JSONTooDeep as exc:
            raise ValidationFailed(f"The criteria are nested too deeply: {exc}") from None
        except json.JSONDecodeError as exc:
            raise ValidationFailed(
                f"The criteria are not valid JSON ({exc.msg} at character {exc.pos + 1})."
            ) from None
    else:
        document = raw
    if not isinstance(document, dict):
        raise ValidationFailed(
            f'The criteria must be a JSON object, e.g. {{"daily_steps": 10000}}. Keys: {allowed}.'
        )
    if not document:
        raise ValidationFailed(f"Give at least one criterion. Keys: {allowed}.")
    unknown = [key for key in document if key not in CRITERIA_KEYS]
    if unknown:
        raise ValidationFailed(
            f"Unknown criteria key{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(repr, unknown))}. Allowed: {allowed}."
        )
    criteria: dict[str, int] = {}
    for key, target in document.items():
        if isinstance(target, bool) or not isinstance(target, int) or target <= 0:
            raise ValidationFailed(f"{key} must be a positive whole number, not {target!r}.")
        if target > MAX_TARGET:
            raise ValidationFailed(f"{key} must be at most {MAX_TARGET:,}.")
        criteria[key] = target
    return criteria


def _problem(field_name: str, message: str) -> dict[str, str]:
    return {"field": field_name, "message": message}


def _whole(raw: Any) -> int | None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        return int(raw.strip())
    return None


def clean_achievement_fields(raw: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """Typed values for a definition; ValidationFailed with one detail per bad field."""
    problems: list[dict[str, str]] = []
    clean: dict[str, Any] = {}
    if creating:
        code = str(raw.get("code") or "").strip().lower()
        if not code:
            problems.append(_problem("code", "Code is required."))
        elif len(code) > CODE_MAX or not CODE_PATTERN.match(code):
            problems.append(
                _problem(
                    "code",
                    f"Code must be a slug of at most {CODE_MAX} characters: lowercase letters "
                    "and digits, separated by - or _ (e.g. ten_k_day).",
                )
            )
        clean["code"] = code
    name = " ".join(str(raw.get("name") or "").split())
    if not name:
        problems.append(_problem("name", "Name is required."))
    elif len(name) > NAME_MAX:
        problems.append(_problem("name", f"Name must be at most {NAME_MAX} characters."))
    clean["name"] = name
    description = str(raw.get("description") or "").strip()
    if len(description) > DESCRIPTION_MAX:
        problems.append(
            _problem("description", f"Description must be at most {DESCRIPTION_MAX} characters.")
        )
    clean["description"] = description
    icon = str(raw.get("icon") or "").strip() or "badge"
    if len(icon) > ICON_MAX:
        problems.append(_problem("icon", f"Icon must be at most {ICON_MAX} characters."))
    clean["icon"] = icon
    try:
        clean["unlock_criteria"] = parse_criteria(raw.get("unlock_criteria") or "")
    except ValidationFailed as exc:
        problems.append(_problem("unlock_criteria", exc.message))
    reward = _whole(raw.get("reward_coins"))
    if reward is None:
        problems.append(_problem("reward_coins", "Reward must be a whole number of coins."))
    elif not 0 <= reward <= MAX_REWARD:
        problems.append(_problem("reward_coins", f"Reward must be between 0 and {MAX_REWARD:,}."))
    clean["reward_coins"] = reward
    sort_order = _whole(raw.get("sort_order") if raw.get("sort_order") not in (None, "") else 0)
    if sort_order is None or not 0 <= sort_order <= MAX_SORT_ORDER:
        problems.append(
            _problem("sort_order", f"Position must be a whole number from 0 to {MAX_SORT_ORDER}.")
        )
    clean["sort_order"] = sort_order
    clean["is_active"] = bool(raw.get("is_active", True))
    if problems:
        raise ValidationFailed(problems[0]["message"], details=problems)
    return clean


def _snapshot(achievement: Achievement) -> dict[str, Any]:
    return {name: getattr(achievement, name) for name in SNAPSHOT_FIELDS}


def _code_taken(code: str) -> Conflict:
    message = f"The code {code!r} is already in use; choose another."
    return Conflict(message, details=[_problem("code", message)])


def create_achievement(raw: Mapping[str, Any], *, admin_id: int) -> Achievement:
    values = clean_achievement_fields(raw, creating=True)
    with transaction():
        taken = db.session.execute(
            select(Achievement.id).where(Achievement.code == values["code"])
        ).first()
        if taken is not None:
            raise _code_taken(values["code"])
        achievement = Achievement(**values)
        try:
            with db.session.begin_nested():
                db.session.add(achievement)
        except IntegrityError:
            # Another admin created the same code a moment ago.
            raise _code_taken(values["code"]) from None
        record_admin_action(
            admin_id,
            "achievement.create",
            "achievement",
            achievement.id,
            after=_snapshot(achievement),
        )
    return achievement


def _lock(achievement_id: int) -> Achievement:
    achievement = db.session.execute(
        select(Achievement)
        .where(Achievement.id == achievement_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if achievement is None:
        raise NotFound("No such achievement.")
    return achievement


def update_achievement(
    achievement_id: int, raw: Mapping[str, Any], *, admin_id: int
) -> dict[str, tuple[Any, Any]]:
    """Edit a definition (not its code). Returns {field: (old, new)} of what changed."""
    values = clean_achievement_fields(raw, creating=False)
    with transaction():
        achievement = _lock(achievement_id)
        changes = {
            name: (getattr(achievement, name), value)
            for name, value in values.items()
            if getattr(achievement, name) != value
        }
        if not changes:
            return {}
        for name, (_old, new) in changes.items():
            setattr(achievement, name, new)
        achievement.updated_at = utcnow()
        db.session.flush()
        record_admin_action(
            admin_id,
            "achievement.update",
            "achievement",
            achievement.id,
            before={name: old for name, (old, _new) in changes.items()},
            after={name: new for name, (_old, new) in changes.items()},
        )
    return changes


def set_active(achievement_id: int, active: bool, *, admin_id: int) -> Achievement:
    with transaction():
        achievement = _lock(achievement_id)
        set_active_flag(achievement, active, admin_id=admin_id, entity_type="achievement")
    return achievement
