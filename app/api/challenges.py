"""Challenges on the phone: list, create (with invitations and a stake), read the standings,
join, decline, invite more friends, cancel."""

from __future__ import annotations

from flask import Response

from app.api import bp
from app.api.auth import current_member
from app.api.group_schemas import (
    ChallengeIn,
    ChallengeInviteIn,
    ChallengeOut,
    ChallengesOut,
    ChallengeSummaryOut,
    StandingOut,
)
from app.api.operations import operation, reply
from app.gamification import challenges


def _standing(s: challenges.Standing) -> StandingOut:
    return StandingOut(
        user_id=s.user_id,
        display_name=s.display_name,
        status=s.status,
        steps=s.steps,
        days_met=s.days_met,
        reached_on=s.reached_on,
        rank=s.rank,
        outcome=s.outcome,
        payout_coins=s.payout_coins,
        stake_coins=s.stake_coins,
        is_me=s.is_me,
    )


def _detail(challenge_id: int, status: int = 200) -> tuple[Response, int]:
    v = challenges.view(current_member().id, challenge_id)
    c = v.challenge
    return reply(
        ChallengeOut(
            id=c.id,
            name=c.name,
            goal_type=c.goal_type,
            goal_label=v.goal_label,
            target_steps=c.target_steps,
            start_date=c.start_date,
            end_date=c.end_date,
            stake_coins=c.stake_coins,
            max_participants=c.max_participants,
            status=c.status,
            phase=v.phase,
            pot_coins=c.pot_coins,
            joined_count=v.joined_count,
            days_total=v.days_total,
            days_elapsed=v.days_elapsed,
            remainder_rule=v.remainder_rule,
            me=_standing(v.me),
            standings=[_standing(s) for s in v.standings],
            invited=[_standing(s) for s in v.invited],
            can_join=v.can_join,
            can_decline=v.can_decline,
            can_cancel=v.can_cancel,
            can_invite=v.can_invite,
        ),
        status,
    )


@operation(
    bp,
    "GET",
    "/challenges",
    summary="Challenges you are invited to or in, newest first",
    responses={200: ChallengesOut},
    tags=["challenges"],
)
def list_challenges() -> tuple[Response, int]:
    return reply(
        ChallengesOut(
            items=[
                ChallengeSummaryOut(
                    id=s.challenge.id,
                    name=s.challenge.name,
                    goal_type=s.challenge.goal_type,
                    start_date=s.challenge.start_date,
                    end_date=s.challenge.end_date,
                    stake_coins=s.challenge.stake_coins,
                    phase=s.phase,
                    my_status=s.my_status,
                    joined_count=s.joined_count,
                )
                for s in challenges.my_challenges(current_member().id)
            ]
        )
    )


@operation(
    bp,
    "POST",
    "/challenges",
    summary="Create a challenge and invite friends; your stake is frozen as you join it",
    body=ChallengeIn,
    responses={201: ChallengeOut},
    errors=(409,),
    tags=["challenges"],
)
def create_challenge(body: ChallengeIn) -> tuple[Response, int]:
    challenge = challenges.create_challenge(
        current_member().id,
        name=body.name,
        goal_type=body.goal_type,
        target_steps=body.target_steps,
        start_date=body.start_date,
        end_date=body.end_date,
        stake_coins=body.stake_coins,
        max_participants=body.max_participants,
        invite_user_ids=body.invite_user_ids,
    )
    return _detail(challenge.id, 201)


@operation(
    bp,
    "GET",
    "/challenges/<int:challenge_id>",
    summary="A challenge you are invited to: standings by verified steps",
    responses={200: ChallengeOut},
    errors=(404,),
    tags=["challenges"],
)
def get_challenge(challenge_id: int) -> tuple[Response, int]:
    return _detail(challenge_id)


@operation(
    bp,
    "POST",
    "/challenges/<int:challenge_id>/join",
    summary="Join a challenge you are invited to (its stake is frozen from your wallet)",
    responses={200: ChallengeOut},
    errors=(404, 409),
    tags=["challenges"],
)
def join_challenge(challenge_id: int) -> tuple[Response, int]:
    challenges.join(current_member().id, challenge_id)
    return _detail(challenge_id)


@operation(
    bp,
    "POST",
    "/challenges/<int:challenge_id>/decline",
    summary="Decline an invitation to a challenge",
    responses={200: ChallengeOut},
    errors=(404, 409),
    tags=["challenges"],
)
def decline_challenge(challenge_id: int) -> tuple[Response, int]:
    challenges.decline(current_member().id, challenge_id)
    return _detail(challenge_id)


@operation(
    bp,
    "POST",
    "/challenges/<int:challenge_id>/invitations",
    summary="Invite more friends (the creator, before the first day)",
    body=ChallengeInviteIn,
    responses={200: ChallengeOut},
    errors=(404, 409),
    tags=["challenges"],
)
def invite_to_challenge(challenge_id: int, body: ChallengeInviteIn) -> tuple[Response, int]:
    challenges.invite(current_member().id, challenge_id, body.user_ids)
    return _detail(challenge_id)


@operation(
    bp,
    "POST",
    "/challenges/<int:challenge_id>/cancel",
    summary="Cancel before the first day (the creator): every stake comes back",
    responses={200: ChallengeOut},
    errors=(404, 409),
    tags=["challenges"],
)
def cancel_challenge(challenge_id: int) -> tuple[Response, int]:
    challenges.cancel(current_member().id, challenge_id)
    return _detail(challenge_id)
