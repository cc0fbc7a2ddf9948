"""Teams on the phone: the weekly team board and your team, create, join by code, leave."""

from __future__ import annotations

from flask import Response

from app.api import bp
from app.api.auth import current_member
from app.api.group_schemas import (
    MyTeamOut,
    TeamIn,
    TeamJoinIn,
    TeammateOut,
    TeamRowOut,
    TeamsOut,
)
from app.api.operations import operation, reply
from app.gamification import teams


def _overview(status: int = 200) -> tuple[Response, int]:
    o = teams.overview(current_member().id)
    return reply(
        TeamsOut(
            week_start=o.week_start,
            max_members=o.max_members,
            team=MyTeamOut(
                id=o.team.id,
                name=o.team.name,
                join_code=o.team.join_code,
                members=[
                    TeammateOut(
                        user_id=t.user_id,
                        display_name=t.display_name,
                        weekly_steps=t.weekly_steps,
                        is_me=t.is_me,
                    )
                    for t in o.teammates
                ],
            )
            if o.team
            else None,
            board=[
                TeamRowOut(
                    rank=r.rank,
                    team_id=r.team_id,
                    name=r.name,
                    members=r.members,
                    average_steps=r.average_steps,
                    is_mine=r.is_mine,
                )
                for r in o.board
            ],
        ),
        status,
    )


@operation(
    bp,
    "GET",
    "/teams",
    summary="This week's team board by average verified steps, and your team",
    responses={200: TeamsOut},
    tags=["teams"],
)
def list_teams() -> tuple[Response, int]:
    return _overview()


@operation(
    bp,
    "POST",
    "/teams",
    summary="Create a team; you are its first member",
    body=TeamIn,
    responses={201: TeamsOut},
    errors=(409,),
    tags=["teams"],
)
def create_team(body: TeamIn) -> tuple[Response, int]:
    teams.create_team(current_member().id, body.name)
    return _overview(201)


@operation(
    bp,
    "POST",
    "/teams/join",
    summary="Join a team with its code",
    body=TeamJoinIn,
    responses={200: TeamsOut},
    errors=(404, 409),
    tags=["teams"],
)
def join_team(body: TeamJoinIn) -> tuple[Response, int]:
    teams.join_team(current_member().id, body.code)
    return _overview()


@operation(
    bp,
    "POST",
    "/teams/leave",
    summary="Leave your team (the last member out ends it)",
    responses={204: None},
    errors=(404,),
    tags=["teams"],
)
def leave_team() -> tuple[str, int]:
    teams.leave_team(current_member().id)
    return "", 204
