"""Challenges between friends: create, invite, join with a stake, cancel, standings, settle.

The rules, in one place (the challenge page says the same):
- A challenge starts tomorrow at the earliest, on the creator's calendar; invitations and
  joining close when its first day begins. Only invited members join; only the creator
  invites (their friends) and cancels, and only before the first day.
- A stake is frozen on joining (`challenge_stake`). Too few joined by the first day, or a
  cancellation: every stake comes back (`challenge_release`).
- Only verified steps count: a day's credited steps (its largest verified record). The
  challenge settles `challenge_settle_days` after its last day, so late syncs and days
  under review that are approved by then count; days still under review, or rejected, never.
- Goals: most steps (ties share); first to reach the target (the earliest day wins, ties on
  that day share); everyone who reaches the target; everyone who meets the daily goal on
  every day. Nobody won, or everybody won: every stake comes back.
- Losers' stakes are forfeited (`challenge_forfeit`) into the pot; winners get their stake
  back and an equal share of the pot (`challenge_payout`). REMAINDER_RULE: a pot that does
  not split evenly gives its leftover coins one each to the winners who joined earliest.
- A banned participant is out of the ranking and their stake is returned, not forfeited.
- Settlement is idempotent: it locks the challenge, settles it once, and every movement
  carries a ledger key naming the challenge and the member.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.backoffice.settings import get_settings
from app.coins import ledger
from app.core.db import transaction
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.core.notifications import notify
from app.extensions import db
from app.gamification.friends import MAX_ID, are_friends
from app.models.base import utcnow
from app.models.groups import GOAL_TYPES, Challenge, ChallengeParticipant
from app.models.social import Friendship
from app.models.steps import StepRecord
from app.models.users import User
from app.steps.credited import credited_days

MIN_PARTICIPANTS = 2
MAX_DAYS = 92  # about a quarter: longer stakes stay frozen too long
MAX_LEAD_DAYS = 90  # how far ahead a challenge may start
MAX_TARGET_STEPS = 10_000_000
REMAINDER_RULE = (
    "A pot that does not split evenly gives its leftover coins one each "
    "to the winners who joined earliest."
)
GOAL_LABELS = {
    "most_steps": "Most steps",
    "first_to_target": "First to reach the target",
    "reach_target": "Everyone who reaches the target",
    "daily_goal": "Daily goal on every day",
}
NO_SUCH_CHALLENGE = "No such challenge."


# --- the rules as pure functions -----------------------------------------------------------


def challenge_days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def decide_winners(
    goal_type: str,
    target: int | None,
    days: list[date],
    steps: dict[int, dict[date, int]],
) -> set[int]:
    """Who won, from each ranked participant's credited steps per day."""
    totals = {uid: sum(per_day.get(d, 0) for d in days) for uid, per_day in steps.items()}
    if goal_type == "most_steps":
        best = max(totals.values(), default=0)
        return {uid for uid, total in totals.items() if best > 0 and total == best}
    assert target is not None
    if goal_type == "reach_target":
        return {uid for uid, total in totals.items() if total >= target}
    if goal_type == "daily_goal":
        return {
            uid for uid, per_day in steps.items() if all(per_day.get(d, 0) >= target for d in days)
        }
    reached: dict[int, date] = {}
    for uid, per_day in steps.items():
        running = 0
        for d in days:
            running += per_day.get(d, 0)
            if running >= target:
                reached[uid] = d
                break
    first = min(reached.values(), default=None)
    return {uid for uid, d in reached.items() if d == first}


def split_pot(pot: int, winners_in_join_order: list[int]) -> dict[int, int]:
    """Equal shares; REMAINDER_RULE for the coins left over."""
    if not winners_in_join_order:
        return {}
    share, leftover = divmod(pot, len(winners_in_join_order))
    return {uid: share + (1 if i < leftover else 0) for i, uid in enumerate(winners_in_join_order)}


# --- helpers -------------------------------------------------------------------------------


def challenge_today(challenge: Challenge, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(challenge.timezone)).date()


def _locked(challenge_id: int) -> Challenge:
    if not 1 <= challenge_id <= MAX_ID:
        raise NotFound(NO_SUCH_CHALLENGE)
    challenge = db.session.execute(
        select(Challenge)
        .where(Challenge.id == challenge_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if challenge is None:
        raise NotFound(NO_SUCH_CHALLENGE)
    return challenge


def _participant(challenge_id: int, user_id: int) -> ChallengeParticipant | None:
    return db.session.execute(
        select(ChallengeParticipant)
        .where(
            ChallengeParticipant.challenge_id == challenge_id,
            ChallengeParticipant.user_id == user_id,
        )
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _visible(challenge_id: int, user_id: int, *, lock: bool = False) -> Challenge:
    """The challenge, if the member was invited to it; otherwise it does not exist for them."""
    if not 1 <= challenge_id <= MAX_ID:
        raise NotFound(NO_SUCH_CHALLENGE)
    challenge = _locked(challenge_id) if lock else db.session.get(Challenge, challenge_id)
    if challenge is None or _participant(challenge_id, user_id) is None:
        raise NotFound(NO_SUCH_CHALLENGE)
    return challenge


def _joined(challenge_id: int) -> list[ChallengeParticipant]:
    """Participants in, in join order (the remainder rule reads this order)."""
    return list(
        db.session.execute(
            select(ChallengeParticipant)
            .where(
                ChallengeParticipant.challenge_id == challenge_id,
                ChallengeParticipant.status == "joined",
            )
            .order_by(ChallengeParticipant.joined_at, ChallengeParticipant.id)
            .execution_options(populate_existing=True)
        ).scalars()
    )


def _not_started(challenge: Challenge, now: datetime | None, what: str) -> None:
    if challenge.status != "open":
        raise Conflict(f"This challenge is {challenge.status}: {what} is closed.")
    if challenge_today(challenge, now) >= challenge.start_date:
        raise Conflict(f"This challenge has started: {what} is closed.")


def _field_error(message: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, details=[{"field": field}])


def _invite_all(
    challenge: Challenge, inviter: User, user_ids: Iterable[int], when: datetime
) -> list[ChallengeParticipant]:
    rows = []
    for uid in dict.fromkeys(user_ids):
        if not isinstance(uid, int) or not 1 <= uid <= MAX_ID or uid == inviter.id:
            raise _field_error("Invite your friends only.", "invite_user_ids")
        friend = db.session.get(User, uid)
        if friend is None or friend.status != "active" or not are_friends(inviter.id, uid):
            raise _field_error("Invite your friends only.", "invite_user_ids")
        if _participant(challenge.id, uid) is not None:
            continue
        row = ChallengeParticipant(
            challenge_id=challenge.id, user_id=uid, invited_by_id=inviter.id, status="invited"
        )
        db.session.add(row)
        rows.append(row)
        stake = f" Stake: {challenge.stake_coins} coins." if challenge.stake_coins else ""
        notify(
            uid,
            "challenge",
            f"{inviter.display_name} invited you to {challenge.name}",
            f"From {challenge.start_date.isoformat()} to {challenge.end_date.isoformat()}.{stake}",
            link=f"/challenges/{challenge.id}",
        )
    db.session.flush()
    return rows


# --- changes -------------------------------------------------------------------------------


def create_challenge(
    creator_id: int,
    *,
    name: str,
    goal_type: str,
    start_date: date,
    end_date: date,
    target_steps: int | None = None,
    stake_coins: int = 0,
    max_participants: int | None = None,
    invite_user_ids: Iterable[int] = (),
    now: datetime | None = None,
) -> Challenge:
    """Create it, join the creator (freezing their stake) and invite friends."""
    when = now or utcnow()
    settings = get_settings()
    cleaned = " ".join((name or "").split())
    if not 1 <= len(cleaned) <= 80:
        raise _field_error("Give the challenge a name of up to 80 characters.", "name")
    if goal_type not in GOAL_TYPES:
        raise _field_error(f"The goal must be one of {', '.join(GOAL_TYPES)}.", "goal_type")
    if goal_type == "most_steps":
        target_steps = None
    elif (
        not isinstance(target_steps, int)
        or isinstance(target_steps, bool)
        or not 1 <= target_steps <= MAX_TARGET_STEPS
    ):
        raise _field_error(
            f"This goal needs a target from 1 to {MAX_TARGET_STEPS:,} steps.", "target_steps"
        )
    if isinstance(stake_coins, bool) or not 0 <= stake_coins <= settings.challenge_max_stake:
        raise _field_error(
            f"The stake must be from 0 to {settings.challenge_max_stake:,} coins.", "stake_coins"
        )
    most = settings.challenge_max_participants
    size = min(10, most) if max_participants is None else max_participants
    if isinstance(size, bool) or not MIN_PARTICIPANTS <= size <= most:
        raise _field_error(
            f"A challenge has from {MIN_PARTICIPANTS} to {most} members.", "max_participants"
        )
    with transaction():
        creator = db.session.get_one(User, creator_id)
        today = (when).astimezone(ZoneInfo(creator.timezone)).date()
        if not today < start_date <= today + timedelta(days=MAX_LEAD_DAYS):
            raise _field_error(
                f"Start tomorrow at the earliest, and within {MAX_LEAD_DAYS} days.", "start_date"
            )
        if not start_date <= end_date < start_date + timedelta(days=MAX_DAYS):
            raise _field_error(
                f"End on or after the first day, at most {MAX_DAYS} days in all.", "end_date"
            )
        challenge = Challenge(
            creator_id=creator_id,
            name=cleaned,
            goal_type=goal_type,
            target_steps=target_steps,
            start_date=start_date,
            end_date=end_date,
            stake_coins=stake_coins,
            max_participants=size,
            timezone=creator.timezone,
        )
        db.session.add(challenge)
        db.session.flush()
        db.session.add(
            ChallengeParticipant(
                challenge_id=challenge.id,
                user_id=creator_id,
                status="joined",
                joined_at=when,
                stake_coins=stake_coins,
            )
        )
        if stake_coins:
            ledger.stake_for_challenge(creator_id, challenge.id, stake_coins, now=when)
        _invite_all(challenge, creator, invite_user_ids, when)
    return challenge


def invite(
    user_id: int, challenge_id: int, user_ids: Iterable[int], *, now: datetime | None = None
) -> list[ChallengeParticipant]:
    """The creator invites more of their friends, before the first day."""
    when = now or utcnow()
    with transaction():
        challenge = _visible(challenge_id, user_id, lock=True)
        if challenge.creator_id != user_id:
            raise Forbidden("Only the member who created the challenge invites to it.")
        _not_started(challenge, when, "inviting")
        return _invite_all(challenge, db.session.get_one(User, user_id), user_ids, when)


def join(user_id: int, challenge_id: int, *, now: datetime | None = None) -> ChallengeParticipant:
    """An invited member joins: their stake is frozen, if there is a place left."""
    when = now or utcnow()
    with transaction():
        # The challenge row lock orders joins and a cancel: the last place goes to one.
        challenge = _visible(challenge_id, user_id, lock=True)
        row = _participant(challenge_id, user_id)
        if row is None:
            raise NotFound(NO_SUCH_CHALLENGE)
        if row.status == "joined":
            raise Conflict("You are in this challenge already.")
        _not_started(challenge, when, "joining")
        if len(_joined(challenge_id)) >= challenge.max_participants:
            raise Conflict("This challenge is full.")
        if db.session.get_one(User, user_id).status != "active":
            raise Forbidden("Your account cannot join challenges.")
        row.status, row.joined_at, row.stake_coins = "joined", when, challenge.stake_coins
        db.session.flush()
        if challenge.stake_coins:
            ledger.stake_for_challenge(user_id, challenge_id, challenge.stake_coins, now=when)
    return row


def decline(
    user_id: int, challenge_id: int, *, now: datetime | None = None
) -> ChallengeParticipant:
    with transaction():
        challenge = _visible(challenge_id, user_id, lock=True)
        row = _participant(challenge_id, user_id)
        if row is None:
            raise NotFound(NO_SUCH_CHALLENGE)
        if row.status == "joined":
            raise Conflict("You are in this challenge; only its creator can call it off.")
        _not_started(challenge, now, "answering")
        row.status = "declined"
    return row


def _return_stakes(
    challenge: Challenge, rows: list[ChallengeParticipant], reason: str, when: datetime
) -> None:
    for row in sorted(rows, key=lambda r: r.user_id):  # wallets locked in id order
        if row.stake_coins:
            ledger.release_challenge_stake(
                row.user_id, challenge.id, row.stake_coins, reason, now=when
            )
        row.outcome = "returned"


def cancel(user_id: int, challenge_id: int, *, now: datetime | None = None) -> Challenge:
    """The creator calls it off before the first day: every stake comes back."""
    when = now or utcnow()
    with transaction():
        challenge = _visible(challenge_id, user_id, lock=True)
        if challenge.creator_id != user_id:
            raise Forbidden("Only the member who created the challenge can cancel it.")
        _not_started(challenge, when, "cancelling")
        joined = _joined(challenge_id)
        _return_stakes(challenge, joined, "cancelled", when)
        challenge.status, challenge.closed_at = "cancelled", when
        for row in joined:
            if row.user_id != user_id:
                notify(
                    row.user_id,
                    "challenge",
                    f"{challenge.name} was cancelled",
                    "Your stake is back in your wallet." if row.stake_coins else "",
                    link=f"/challenges/{challenge.id}",
                )
    return challenge


# --- settlement ----------------------------------------------------------------------------


def credited_steps_by_day(
    user_ids: list[int], start: date, end: date
) -> dict[int, dict[date, int]]:
    """Each member's credited steps per day (`app.steps.credited`), empty days left out."""
    result: dict[int, dict[date, int]] = {uid: {} for uid in user_ids}
    if not user_ids:
        return result
    days = credited_days(
        StepRecord.user_id.in_(user_ids), StepRecord.recorded_date.between(start, end)
    )
    rows = db.session.execute(select(days.c.user_id, days.c.day, days.c.steps))
    for uid, day, steps in rows:
        result[uid][day] = int(steps)
    return result


@dataclass(frozen=True)
class SettlementResult:
    settled: list[int]
    voided: list[int]
    waiting: int

    def as_details(self) -> dict:
        return {"settled": self.settled, "voided": self.voided, "waiting": self.waiting}


def due_challenge_ids(*, now: datetime | None = None) -> list[int]:
    """Open challenges whose first day has come (a quick date filter; each is re-checked)."""
    soonest = (now or utcnow()).date() + timedelta(days=1)  # the furthest time zone ahead
    return list(
        db.session.execute(
            select(Challenge.id)
            .where(Challenge.status == "open", Challenge.start_date <= soonest)
            .order_by(Challenge.id)
        ).scalars()
    )


def settle_challenge(challenge_id: int, *, now: datetime | None = None) -> str:
    """Void, settle or leave one challenge: 'voided', 'settled', 'waiting' or 'closed'."""
    when = now or utcnow()
    settings = get_settings()
    with transaction():
        challenge = _locked(challenge_id)
        if challenge.status != "open":
            return "closed"  # settled, voided or cancelled before: nothing moves twice
        today = challenge_today(challenge, when)
        if today < challenge.start_date:
            return "waiting"
        joined = _joined(challenge_id)
        if len(joined) < MIN_PARTICIPANTS:
            _return_stakes(challenge, joined, "too few joined", when)
            challenge.status, challenge.closed_at = "void", when
            for row in joined:
                notify(
                    row.user_id,
                    "challenge",
                    f"{challenge.name} did not start: too few joined",
                    "Your stake is back in your wallet." if row.stake_coins else "",
                    link=f"/challenges/{challenge.id}",
                )
            return "voided"
        if today <= challenge.end_date + timedelta(days=settings.challenge_settle_days):
            return "waiting"
        _settle(challenge, joined, when)
    return "settled"


def _settle(challenge: Challenge, joined: list[ChallengeParticipant], when: datetime) -> None:
    statuses = dict(
        db.session.execute(
            select(User.id, User.status).where(User.id.in_([r.user_id for r in joined]))
        ).all()
    )
    banned = [r for r in joined if statuses[r.user_id] == "banned"]
    ranked = [r for r in joined if statuses[r.user_id] != "banned"]
    days = challenge_days(challenge.start_date, challenge.end_date)
    steps = credited_steps_by_day([r.user_id for r in joined], days[0], days[-1])
    for row in joined:
        row.final_steps = sum(steps[row.user_id].values())
    winners = decide_winners(
        challenge.goal_type,
        challenge.target_steps,
        days,
        {r.user_id: steps[r.user_id] for r in ranked},
    )
    if not winners:
        # Nobody won: there is no one to pay, so every stake comes back.
        _return_stakes(challenge, ranked, "nobody won", when)
    losers = [r for r in ranked if r.user_id not in winners]
    pot = sum(r.stake_coins for r in losers)
    shares = split_pot(pot, [r.user_id for r in ranked if r.user_id in winners])
    _return_stakes(challenge, banned, "participant banned", when)
    for row in sorted(ranked, key=lambda r: r.user_id):  # wallets locked in id order
        if row.user_id not in winners:
            if winners:
                if row.stake_coins:
                    ledger.forfeit_challenge_stake(
                        row.user_id, challenge.id, row.stake_coins, now=when
                    )
                row.outcome = "lost"
            continue
        if row.stake_coins:
            ledger.release_challenge_stake(
                row.user_id, challenge.id, row.stake_coins, "won", now=when
            )
        if shares[row.user_id]:
            ledger.pay_challenge_winner(row.user_id, challenge.id, shares[row.user_id], now=when)
        row.outcome, row.payout_coins = "won", shares[row.user_id]
    challenge.status, challenge.pot_coins, challenge.closed_at = "settled", pot, when
    for row in joined:
        notify(
            row.user_id,
            "challenge",
            f"{challenge.name} is over",
            _outcome_message(row),
            link=f"/challenges/{challenge.id}",
        )
    db.session.flush()


def _outcome_message(row: ChallengeParticipant) -> str:
    if row.outcome == "won":
        return f"You won{f' {row.payout_coins} coins' if row.payout_coins else ''}."
    if row.outcome == "lost":
        return "Not this time." + (" Your stake went to the winners." if row.stake_coins else "")
    return "Your stake is back in your wallet." if row.stake_coins else "Nobody won this one."


def settle_due_challenges(
    *, now: datetime | None = None, progress: Callable[[], None] | None = None
) -> SettlementResult:
    """The nightly job: each due challenge voided, settled or left waiting, one at a time."""
    when = now or utcnow()
    ids = due_challenge_ids(now=when)
    db.session.rollback()
    settled, voided, waiting = [], [], 0
    for challenge_id in ids:
        outcome = settle_challenge(challenge_id, now=when)
        if outcome == "settled":
            settled.append(challenge_id)
        elif outcome == "voided":
            voided.append(challenge_id)
        elif outcome == "waiting":
            waiting += 1
        if progress is not None:
            progress()
    return SettlementResult(settled=settled, voided=voided, waiting=waiting)


# --- reads ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    user_id: int
    display_name: str
    status: str  # invited, joined, declined
    steps: int
    days_met: int  # days at or above the daily goal (daily_goal challenges)
    reached_on: date | None  # first_to_target / reach_target: the day the target was reached
    rank: int | None
    outcome: str | None
    payout_coins: int
    stake_coins: int
    banned: bool
    is_me: bool


@dataclass(frozen=True)
class ChallengeView:
    challenge: Challenge
    phase: str  # upcoming, running, settling, settled, cancelled, void
    goal_label: str
    days_total: int
    days_elapsed: int
    standings: list[Standing]
    invited: list[Standing]
    me: Standing
    joined_count: int
    staked_in_all: int
    can_join: bool
    can_decline: bool
    can_cancel: bool
    can_invite: bool
    invitable_friends: list[tuple[int, str]]
    remainder_rule: str = REMAINDER_RULE


def phase_of(challenge: Challenge, now: datetime | None = None) -> str:
    if challenge.status != "open":
        return challenge.status
    today = challenge_today(challenge, now)
    if today < challenge.start_date:
        return "upcoming"
    return "running" if today <= challenge.end_date else "settling"


def _friends_of(user_id: int) -> list[tuple[int, str]]:
    other_id = Friendship.low_user_id + Friendship.high_user_id - user_id
    users = db.session.execute(
        select(User)
        .join(Friendship, User.id == other_id)
        .where(
            (Friendship.low_user_id == user_id) | (Friendship.high_user_id == user_id),
            Friendship.status == "accepted",
            User.status == "active",
            User.deleted_at.is_(None),
        )
    ).scalars()
    return sorted(((u.id, u.display_name) for u in users), key=lambda item: item[1])


def view(user_id: int, challenge_id: int, *, now: datetime | None = None) -> ChallengeView:
    """The challenge as one of its invited members sees it: standings by verified steps."""
    challenge = _visible(challenge_id, user_id)
    phase = phase_of(challenge, now)
    days = challenge_days(challenge.start_date, challenge.end_date)
    today = challenge_today(challenge, now)
    elapsed = [d for d in days if d <= today]
    rows = list(
        db.session.execute(
            select(ChallengeParticipant, User)
            .join(User, User.id == ChallengeParticipant.user_id)
            .where(ChallengeParticipant.challenge_id == challenge_id)
            .order_by(ChallengeParticipant.joined_at, ChallengeParticipant.id)
        ).all()
    )
    joined_ids = [p.user_id for p, _ in rows if p.status == "joined"]
    steps = credited_steps_by_day(joined_ids, days[0], days[-1])

    def standing(p: ChallengeParticipant, u: User, rank: int | None) -> Standing:
        per_day = steps.get(p.user_id, {})
        running, reached = 0, None
        for d in days:
            running += per_day.get(d, 0)
            if reached is None and challenge.target_steps and running >= challenge.target_steps:
                reached = d
        return Standing(
            user_id=u.id,
            display_name=u.display_name,
            status=p.status,
            steps=p.final_steps if p.final_steps is not None else sum(per_day.values()),
            days_met=sum(1 for d in days if per_day.get(d, 0) >= (challenge.target_steps or 0)),
            reached_on=reached,
            rank=rank,
            outcome=p.outcome,
            payout_coins=p.payout_coins,
            stake_coins=p.stake_coins,
            banned=u.status == "banned",
            is_me=u.id == user_id,
        )

    unranked = [standing(p, u, None) for p, u in rows if p.status == "joined"]
    unranked.sort(key=lambda s: (s.banned, -s.steps, s.display_name))
    standings, previous, rank = [], None, 0
    for position, s in enumerate(unranked, start=1):
        if not s.banned and s.steps != previous:
            rank, previous = position, s.steps
        standings.append(replace(s, rank=None if s.banned else rank))
    invited = [standing(p, u, None) for p, u in rows if p.status != "joined"]
    me = next(s for s in standings + invited if s.is_me)
    upcoming = phase == "upcoming"
    is_creator = challenge.creator_id == user_id
    full = len(joined_ids) >= challenge.max_participants
    taken = {p.user_id for p, _ in rows}
    return ChallengeView(
        challenge=challenge,
        phase=phase,
        goal_label=GOAL_LABELS[challenge.goal_type],
        days_total=len(days),
        days_elapsed=len(elapsed),
        standings=standings,
        invited=invited,
        me=me,
        joined_count=len(joined_ids),
        staked_in_all=challenge.stake_coins * len(joined_ids),
        can_join=upcoming and me.status != "joined" and not full,
        can_decline=upcoming and me.status == "invited",
        can_cancel=upcoming and is_creator,
        can_invite=upcoming and is_creator,
        invitable_friends=[f for f in _friends_of(user_id) if f[0] not in taken]
        if upcoming and is_creator
        else [],
    )


@dataclass(frozen=True)
class ChallengeSummary:
    challenge: Challenge
    my_status: str
    phase: str
    joined_count: int
    goal_label: str


def my_challenges(user_id: int, *, now: datetime | None = None) -> list[ChallengeSummary]:
    """Every challenge the member was invited to or is in, newest first."""
    others = aliased(ChallengeParticipant)
    joined_count = (
        select(func.count())
        .select_from(others)
        .where(others.challenge_id == Challenge.id, others.status == "joined")
        .correlate(Challenge)
        .scalar_subquery()
    )
    mine = db.session.execute(
        select(Challenge, ChallengeParticipant.status, joined_count)
        .join(ChallengeParticipant, ChallengeParticipant.challenge_id == Challenge.id)
        .where(ChallengeParticipant.user_id == user_id)
        .order_by(Challenge.start_date.desc(), Challenge.id.desc())
    ).all()
    return [
        ChallengeSummary(
            challenge=c,
            my_status=status,
            phase=phase_of(c, now),
            joined_count=int(count),
            goal_label=GOAL_LABELS[c.goal_type],
        )
        for c, status, count in mine
    ]


def invitable_friends(user_id: int) -> list[tuple[int, str]]:
    """Friends one may invite to a new challenge: (user id, display name)."""
    return _friends_of(user_id)
