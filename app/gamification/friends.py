"""Friends: invite by referral code (or its link), accept or decline, remove, block; a board
of this week's verified steps among friends that keeps each member's leaderboard privacy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select

from app.core.db import transaction
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.notifications import notify
from app.extensions import db
from app.gamification.leaderboards import period_window
from app.models.base import utcnow
from app.models.social import Friendship, FriendshipStatus
from app.models.steps import StepRecord
from app.models.users import User, UserStatus
from app.steps.credited import credited_days
from app.steps.sync import member_today

# A generic answer for codes that do not lead to a member one may invite (and for members who
# blocked the asker: a block must not be discoverable).
NO_SUCH_MEMBER = "No member has that code."


# Ids are 32-bit integers: a larger one in a URL names nobody (and PostgreSQL would refuse it).
MAX_ID = 2_147_483_647


def _existing_id(value: int, message: str) -> int:
    if not 1 <= value <= MAX_ID:
        raise NotFound(message)
    return value


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _row(a: int, b: int, *, lock: bool = False) -> Friendship | None:
    low, high = _pair(a, b)
    stmt = select(Friendship).where(Friendship.low_user_id == low, Friendship.high_user_id == high)
    if lock:
        stmt = stmt.with_for_update()
    return db.session.execute(stmt).scalar_one_or_none()


def _member_by_code(code: str) -> User:
    cleaned = (code or "").strip().upper()
    if not cleaned:
        raise ValidationFailed("Enter a friend's code.", details=[{"field": "code"}])
    user = db.session.execute(
        select(User).where(User.referral_code == cleaned, User.deleted_at.is_(None))
    ).scalar_one_or_none()
    if user is None or user.status != UserStatus.ACTIVE:
        raise NotFound(NO_SUCH_MEMBER)
    return user


def invite(user_id: int, code: str, *, now: datetime | None = None) -> Friendship:
    """Ask the member with `code` to be friends; if they already asked, this accepts."""
    when = now or utcnow()
    with transaction():
        other = _member_by_code(code)
        if other.id == user_id:
            raise ValidationFailed("That is your own code.", details=[{"field": "code"}])
        me = db.session.get_one(User, user_id)
        row = _row(user_id, other.id, lock=True)
        if row is not None:
            if row.status == FriendshipStatus.BLOCKED:
                if row.blocked_by_id == user_id:
                    raise Conflict("You blocked this member; unblock them first.")
                raise NotFound(NO_SUCH_MEMBER)
            if row.status == FriendshipStatus.ACCEPTED:
                raise Conflict(f"You and {other.display_name} are already friends.")
            if row.status == FriendshipStatus.PENDING and row.requested_by_id == user_id:
                raise Conflict(f"You already invited {other.display_name}.")
            if row.status == FriendshipStatus.PENDING:
                return _accept(row, user_id, when)
            row.status = FriendshipStatus.PENDING
            row.requested_by_id, row.responded_at = user_id, None
        else:
            low, high = _pair(user_id, other.id)
            row = Friendship(
                low_user_id=low,
                high_user_id=high,
                requested_by_id=user_id,
                status=FriendshipStatus.PENDING,
            )
            db.session.add(row)
        db.session.flush()
        notify(
            other.id,
            "friend",
            f"{me.display_name} wants to be friends",
            "Accept to see each other's weekly steps.",
            link="/friends",
        )
    return row


def _invitation_for(user_id: int, friendship_id: int) -> Friendship:
    _existing_id(friendship_id, "No such invitation.")
    row = db.session.execute(
        select(Friendship).where(Friendship.id == friendship_id).with_for_update()
    ).scalar_one_or_none()
    if (
        row is None
        or user_id not in (row.low_user_id, row.high_user_id)
        or row.status != FriendshipStatus.PENDING
        or row.requested_by_id == user_id
    ):
        raise NotFound("No such invitation.")
    return row


def _accept(row: Friendship, user_id: int, when: datetime) -> Friendship:
    row.status, row.responded_at = FriendshipStatus.ACCEPTED, when
    me = db.session.get_one(User, user_id)
    notify(
        row.requested_by_id,
        "friend",
        f"{me.display_name} accepted your friend request",
        link="/friends",
    )
    db.session.flush()
    return row


def accept(user_id: int, friendship_id: int, *, now: datetime | None = None) -> Friendship:
    with transaction():
        return _accept(_invitation_for(user_id, friendship_id), user_id, now or utcnow())


def decline(user_id: int, friendship_id: int, *, now: datetime | None = None) -> Friendship:
    """Declined quietly (the asker is not told); they may ask again later."""
    with transaction():
        row = _invitation_for(user_id, friendship_id)
        row.status, row.responded_at = FriendshipStatus.DECLINED, now or utcnow()
    return row


def remove(user_id: int, other_id: int) -> None:
    """End a friendship, withdraw an invitation, or lift a block one made oneself."""
    _existing_id(other_id, "You are not friends with that member.")
    with transaction():
        row = _row(user_id, other_id, lock=True)
        if row is None or row.status == FriendshipStatus.DECLINED:
            raise NotFound("You are not friends with that member.")
        if row.status == FriendshipStatus.BLOCKED and row.blocked_by_id != user_id:
            raise NotFound("You are not friends with that member.")
        if row.status == FriendshipStatus.PENDING and row.requested_by_id != user_id:
            raise Conflict("Decline the invitation instead.")
        db.session.delete(row)


def block(user_id: int, other_id: int) -> Friendship:
    """No invitations either way, and neither appears on the other's board."""
    _existing_id(other_id, "No such member.")
    with transaction():
        if other_id == user_id or db.session.get(User, other_id) is None:
            raise NotFound("No such member.")
        row = _row(user_id, other_id, lock=True)
        if row is None:
            low, high = _pair(user_id, other_id)
            row = Friendship(low_user_id=low, high_user_id=high, requested_by_id=user_id)
            db.session.add(row)
        elif row.status == FriendshipStatus.BLOCKED and row.blocked_by_id != user_id:
            return row  # already blocked by them: nothing to add, nothing to reveal
        row.status, row.blocked_by_id = FriendshipStatus.BLOCKED, user_id
        db.session.flush()
    return row


# --- reads ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FriendRow:
    user_id: int
    display_name: str
    weekly_steps: int | None  # None: the member hides from leaderboards
    is_me: bool = False


@dataclass(frozen=True)
class Invitation:
    friendship_id: int
    user_id: int
    display_name: str
    created_at: datetime


@dataclass(frozen=True)
class FriendsOverview:
    board: list[FriendRow]
    incoming: list[Invitation]
    outgoing: list[Invitation]
    blocked: list[Invitation]
    week_start: str


def _others(user_id: int, *where: ColumnElement[bool]) -> list[tuple[Friendship, User]]:
    # The pair holds the member and one other: their ids add up to both.
    other_id = Friendship.low_user_id + Friendship.high_user_id - user_id
    return list(
        db.session.execute(
            select(Friendship, User)
            .join(User, User.id == other_id)
            .where(
                or_(Friendship.low_user_id == user_id, Friendship.high_user_id == user_id),
                User.deleted_at.is_(None),
                *where,
            )
            .order_by(Friendship.created_at.desc(), Friendship.id.desc())
        ).all()
    )


def weekly_steps(user_ids: list[int], start: date, end: date) -> dict[int, int]:
    """Credited steps from `start` to `end` inclusive, per member."""
    per_day = credited_days(
        StepRecord.user_id.in_(user_ids), StepRecord.recorded_date.between(start, end)
    )
    return {
        uid: int(total)
        for uid, total in db.session.execute(
            select(per_day.c.user_id, func.sum(per_day.c.steps)).group_by(per_day.c.user_id)
        )
    }


def overview(user_id: int) -> FriendsOverview:
    me = db.session.get_one(User, user_id)
    week = period_window("weekly", member_today(me))
    last_day = week.end - timedelta(days=1) if week.end else week.start
    friends = _others(
        user_id, Friendship.status == FriendshipStatus.ACCEPTED, User.status == UserStatus.ACTIVE
    )
    people = [me, *[user for _, user in friends]]
    totals = weekly_steps([p.id for p in people], week.start, last_day)
    board = [
        FriendRow(
            user_id=p.id,
            display_name=p.display_name,
            # Hidden from leaderboards means hidden here too; a member always sees their own.
            weekly_steps=totals.get(p.id, 0)
            if (p.id == user_id or not p.leaderboard_hidden)
            else None,
            is_me=p.id == user_id,
        )
        for p in people
    ]
    board.sort(key=lambda row: (-(row.weekly_steps or -1), row.display_name))

    def invitations(*where: ColumnElement[bool]) -> list[Invitation]:
        return [
            Invitation(row.id, user.id, user.display_name, row.created_at)
            for row, user in _others(user_id, *where)
        ]

    return FriendsOverview(
        board=board,
        incoming=invitations(
            Friendship.status == FriendshipStatus.PENDING, Friendship.requested_by_id != user_id
        ),
        outgoing=invitations(
            Friendship.status == FriendshipStatus.PENDING, Friendship.requested_by_id == user_id
        ),
        blocked=invitations(
            Friendship.status == FriendshipStatus.BLOCKED, Friendship.blocked_by_id == user_id
        ),
        week_start=week.start.isoformat(),
    )


def inviter_for_code(code: str) -> User:
    """Who an invitation link names (the link's page asks before it invites)."""
    return _member_by_code(code)


def are_friends(a: int, b: int) -> bool:
    row = _row(a, b)
    return row is not None and row.status == FriendshipStatus.ACCEPTED
