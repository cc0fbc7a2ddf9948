"""Friends on the phone: the weekly board, invitations by code, accept, decline, remove, block."""

from __future__ import annotations

from datetime import date

from flask.typing import ResponseReturnValue

from app.api import bp
from app.api.auth import current_member
from app.api.operations import operation, reply
from app.api.schemas import (
    FriendInvitationOut,
    FriendInviteIn,
    FriendOut,
    FriendshipOut,
    FriendsOut,
)
from app.gamification import friends


def _invitations(items: list[friends.Invitation]) -> list[FriendInvitationOut]:
    return [
        FriendInvitationOut(
            id=i.friendship_id,
            user_id=i.user_id,
            display_name=i.display_name,
            created_at=i.created_at,
        )
        for i in items
    ]


@operation(
    bp,
    "GET",
    "/friends",
    summary="This week's board among friends, and open invitations",
    responses={200: FriendsOut},
    tags=["friends"],
)
def list_friends() -> ResponseReturnValue:
    overview = friends.overview(current_member().id)
    return reply(
        FriendsOut(
            week_start=date.fromisoformat(overview.week_start),
            board=[
                FriendOut(
                    user_id=row.user_id,
                    display_name=row.display_name,
                    weekly_steps=row.weekly_steps,
                    is_me=row.is_me,
                )
                for row in overview.board
            ],
            incoming=_invitations(overview.incoming),
            outgoing=_invitations(overview.outgoing),
            blocked=_invitations(overview.blocked),
        )
    )


@operation(
    bp,
    "POST",
    "/friends/invitations",
    summary="Invite a member by their referral code (accepts theirs if they asked first)",
    body=FriendInviteIn,
    responses={201: FriendshipOut},
    errors=(404, 409),
    tags=["friends"],
)
def invite_friend(body: FriendInviteIn) -> ResponseReturnValue:
    row = friends.invite(current_member().id, body.referral_code)
    return reply(FriendshipOut(id=row.id, status=row.status), 201)


@operation(
    bp,
    "POST",
    "/friends/invitations/<int:friendship_id>/accept",
    summary="Accept an invitation sent to you",
    responses={200: FriendshipOut},
    errors=(404,),
    tags=["friends"],
)
def accept_friend(friendship_id: int) -> ResponseReturnValue:
    row = friends.accept(current_member().id, friendship_id)
    return reply(FriendshipOut(id=row.id, status=row.status))


@operation(
    bp,
    "POST",
    "/friends/invitations/<int:friendship_id>/decline",
    summary="Decline an invitation sent to you (the asker is not told)",
    responses={200: FriendshipOut},
    errors=(404,),
    tags=["friends"],
)
def decline_friend(friendship_id: int) -> ResponseReturnValue:
    row = friends.decline(current_member().id, friendship_id)
    return reply(FriendshipOut(id=row.id, status=row.status))


@operation(
    bp,
    "DELETE",
    "/friends/<int:user_id>",
    summary="Remove a friend, withdraw your invitation, or lift your block",
    responses={204: None},
    errors=(404, 409),
    tags=["friends"],
)
def remove_friend(user_id: int) -> ResponseReturnValue:
    friends.remove(current_member().id, user_id)
    return "", 204


@operation(
    bp,
    "POST",
    "/friends/<int:user_id>/block",
    summary="Block a member: no invitations either way, off each other's boards",
    responses={200: FriendshipOut},
    errors=(404,),
    tags=["friends"],
)
def block_member(user_id: int) -> ResponseReturnValue:
    row = friends.block(current_member().id, user_id)
    return reply(FriendshipOut(id=row.id, status="blocked"))
