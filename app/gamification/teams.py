"""Teams: create one (name, a join code to share), join by its code, leave; a weekly board of
teams by average verified steps per member; team facts for the achievement rules.

A member is on one team at a time, and a team has at most `team_max_members` members (the
team row lock orders joins racing for the last place). The last member to leave ends it.
A team's average counts every member, hidden from leaderboards or not: it is one number for
the team. On the team's own page teammates see each other's weekly steps as on the friends
board, hidden members as "private".
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.backoffice.settings import get_settings
from app.core.db import transaction
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.notifications import notify
from app.extensions import db
from app.gamification.leaderboards import period_window
from app.models.base import utcnow
from app.models.groups import Team, TeamMember
from app.models.steps import StepRecord
from app.models.users import User
from app.steps.credited import credited_days

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
NO_SUCH_TEAM = "No team has that code."


def _today(user: User, now: datetime | None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(user.timezone)).date()


def _week(day: date) -> tuple[date, date]:
    window = period_window("weekly", day)
    return window.start, window.start + timedelta(days=6)


def _membership(user_id: int) -> TeamMember | None:
    return db.session.execute(
        select(TeamMember).where(TeamMember.user_id == user_id)
    ).scalar_one_or_none()


def _new_code() -> str:
    while True:
        code = "T" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(7))
        if db.session.execute(select(Team.id).where(Team.join_code == code)).first() is None:
            return code


def _member_count(team_id: int) -> int:
    return int(
        db.session.execute(
            select(func.count()).select_from(TeamMember).where(TeamMember.team_id == team_id)
        ).scalar_one()
    )


def create_team(user_id: int, name: str, *, now: datetime | None = None) -> Team:
    """A new team with its creator as first member."""
    cleaned = " ".join((name or "").split())
    if not 3 <= len(cleaned) <= 60:
        raise ValidationFailed(
            "Give the team a name of 3 to 60 characters.", details=[{"field": "name"}]
        )
    when = now or utcnow()
    with transaction():
        if _membership(user_id) is not None:
            raise Conflict("You are on a team already: leave it first.")
        team = Team(
            name=cleaned,
            name_key=cleaned.casefold(),
            join_code=_new_code(),
            created_by_id=user_id,
        )
        try:
            with db.session.begin_nested():
                db.session.add(team)
                db.session.flush()
        except IntegrityError:
            raise ValidationFailed(
                "Another team has that name.", details=[{"field": "name"}]
            ) from None
        db.session.add(TeamMember(team_id=team.id, user_id=user_id, joined_at=when))
        db.session.flush()
    return team


def join_team(user_id: int, code: str, *, now: datetime | None = None) -> Team:
    cleaned = (code or "").strip().upper()
    if not cleaned:
        raise ValidationFailed("Enter the team's code.", details=[{"field": "code"}])
    when = now or utcnow()
    with transaction():
        team = db.session.execute(
            select(Team).where(Team.join_code == cleaned).with_for_update()
        ).scalar_one_or_none()
        if team is None:
            raise NotFound(NO_SUCH_TEAM)
        mine = _membership(user_id)
        if mine is not None:
            raise Conflict(
                "You are on this team already."
                if mine.team_id == team.id
                else "You are on a team already: leave it first."
            )
        if _member_count(team.id) >= get_settings().team_max_members:
            raise Conflict("This team is full.")
        db.session.add(TeamMember(team_id=team.id, user_id=user_id, joined_at=when))
        try:
            db.session.flush()
        except IntegrityError:
            # The same member joining from two tabs at once: one row wins.
            raise Conflict("You are on a team already: leave it first.") from None
        me = db.session.get_one(User, user_id)
        for teammate in _member_ids(team.id):
            if teammate != user_id:
                notify(teammate, "team", f"{me.display_name} joined {team.name}", link="/teams")
    return team


def leave_team(user_id: int) -> None:
    """Leave one's team; the last member out ends the team."""
    with transaction():
        mine = _membership(user_id)
        if mine is None:
            raise NotFound("You are not on a team.")
        team = db.session.execute(
            select(Team).where(Team.id == mine.team_id).with_for_update()
        ).scalar_one()
        db.session.delete(mine)
        db.session.flush()
        if _member_count(team.id) == 0:
            db.session.delete(team)


def forget_member(user_id: int) -> None:
    """A deleted account leaves its team (in the caller's transaction); nothing if on none."""
    if _membership(user_id) is not None:
        leave_team(user_id)


def _member_ids(team_id: int) -> list[int]:
    return list(
        db.session.execute(
            select(TeamMember.user_id)
            .where(TeamMember.team_id == team_id)
            .order_by(TeamMember.joined_at, TeamMember.id)
        ).scalars()
    )


def _weekly_steps(user_ids: list[int], start: date, end: date) -> dict[int, int]:
    if not user_ids:
        return {}
    per_day = credited_days(
        StepRecord.user_id.in_(user_ids), StepRecord.recorded_date.between(start, end)
    )
    return {
        uid: int(total)
        for uid, total in db.session.execute(
            select(per_day.c.user_id, func.sum(per_day.c.steps)).group_by(per_day.c.user_id)
        )
    }


# --- reads ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamRow:
    rank: int
    team_id: int
    name: str
    members: int
    average_steps: int
    is_mine: bool


@dataclass(frozen=True)
class Teammate:
    user_id: int
    display_name: str
    weekly_steps: int | None  # None: the member hides from leaderboards
    is_me: bool


@dataclass(frozen=True)
class TeamsOverview:
    week_start: date
    board: list[TeamRow]
    team: Team | None
    teammates: list[Teammate]
    max_members: int


def team_board(start: date, end: date, *, mine: int | None = None) -> list[TeamRow]:
    """Every team ranked by this week's average verified steps per member (ties share)."""
    per_day = credited_days(
        StepRecord.recorded_date.between(start, end),
        StepRecord.user_id.in_(select(TeamMember.user_id)),
    )
    totals: dict[int, int] = dict(
        db.session.execute(
            select(TeamMember.team_id, func.sum(per_day.c.steps))
            .join(per_day, per_day.c.user_id == TeamMember.user_id)
            .group_by(TeamMember.team_id)
        ).all()
    )
    teams = db.session.execute(
        select(Team.id, Team.name, func.count(TeamMember.id))
        .join(TeamMember, TeamMember.team_id == Team.id)
        .group_by(Team.id, Team.name)
    ).all()
    rows = sorted(
        (
            (tid, name, int(count), int(totals.get(tid) or 0) // int(count))
            for tid, name, count in teams
        ),
        key=lambda row: (-row[3], row[1].casefold()),
    )
    board, previous, rank = [], None, 0
    for position, (tid, name, count, average) in enumerate(rows, start=1):
        if average != previous:
            rank, previous = position, average
        board.append(TeamRow(rank, tid, name, count, average, tid == mine))
    return board


def overview(user_id: int, *, now: datetime | None = None) -> TeamsOverview:
    me = db.session.get_one(User, user_id)
    start, end = _week(_today(me, now))
    mine = _membership(user_id)
    team = db.session.get(Team, mine.team_id) if mine else None
    teammates: list[Teammate] = []
    if team is not None:
        people = list(
            db.session.execute(
                select(User)
                .join(TeamMember, TeamMember.user_id == User.id)
                .where(TeamMember.team_id == team.id)
            ).scalars()
        )
        steps = _weekly_steps([p.id for p in people], start, end)
        teammates = sorted(
            (
                Teammate(
                    user_id=p.id,
                    display_name=p.display_name,
                    weekly_steps=steps.get(p.id, 0)
                    if p.id == user_id or not p.leaderboard_hidden
                    else None,
                    is_me=p.id == user_id,
                )
                for p in people
            ),
            key=lambda t: (-(t.weekly_steps or -1), t.display_name),
        )
    return TeamsOverview(
        week_start=start,
        board=team_board(start, end, mine=team.id if team else None),
        team=team,
        teammates=teammates,
        max_members=get_settings().team_max_members,
    )


@dataclass(frozen=True)
class TeamFacts:
    team_size: int
    team_week_average: int


def team_facts(user_id: int, *, now: datetime | None = None) -> TeamFacts:
    """For the achievement rules: the member's team's size, and its best weekly average of
    verified steps per member since the member joined (the current week included)."""
    mine = _membership(user_id)
    if mine is None:
        return TeamFacts(team_size=0, team_week_average=0)
    me = db.session.get_one(User, user_id)
    members = _member_ids(mine.team_id)
    first_week, _ = _week(mine.joined_at.astimezone(ZoneInfo(me.timezone)).date())
    _, last_day = _week(_today(me, now))
    per_day = credited_days(
        StepRecord.user_id.in_(members),
        StepRecord.recorded_date.between(first_week, last_day),
    )
    by_week: dict[date, int] = {}
    for day, steps in db.session.execute(select(per_day.c.day, per_day.c.steps)):
        monday = day - timedelta(days=day.weekday())
        by_week[monday] = by_week.get(monday, 0) + int(steps)
    best = max(by_week.values(), default=0)
    return TeamFacts(team_size=len(members), team_week_average=best // len(members))
