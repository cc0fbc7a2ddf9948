"""Request and response schemas of challenges and teams on the phone API. They join the same
OpenAPI document as app/api/schemas.py; kept apart so each contract stays readable."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from app.api.schemas import MAX_ID, BodyIn, Out
from app.gamification.challenges import MAX_TARGET_STEPS
from app.models.groups import GOAL_TYPES

GoalType = Literal[GOAL_TYPES]  # type: ignore[valid-type]
UserId = Annotated[int, Field(ge=1, le=MAX_ID)]
MAX_INVITES = 100

# --- challenges -----------------------------------------------------------------------


class ChallengeIn(BodyIn):
    name: Annotated[str, Field(min_length=1, max_length=80)]
    goal_type: GoalType = Field(
        description="most_steps; first_to_target and reach_target (total steps); "
        "daily_goal (target_steps on every day)"
    )
    target_steps: Annotated[int, Field(ge=1, le=MAX_TARGET_STEPS)] | None = Field(
        default=None, description="Required unless goal_type is most_steps"
    )
    start_date: date = Field(description="Tomorrow at the earliest (the creator's calendar)")
    end_date: date
    stake_coins: Annotated[int, Field(ge=0, le=1_000_000)] = Field(
        default=0, description="Frozen from each member's wallet on joining"
    )
    max_participants: Annotated[int, Field(ge=2, le=500)] | None = None
    invite_user_ids: Annotated[list[UserId], Field(max_length=MAX_INVITES)] = Field(
        default_factory=list, description="Friends to invite"
    )


class ChallengeInviteIn(BodyIn):
    user_ids: Annotated[list[UserId], Field(min_length=1, max_length=MAX_INVITES)]


class StandingOut(Out):
    user_id: int
    display_name: str
    status: Literal["invited", "joined", "declined"]
    steps: int = Field(description="Verified steps in the challenge so far (final once settled)")
    days_met: int = Field(description="Days at or above the daily goal (daily_goal)")
    reached_on: date | None = Field(description="The day the target was reached, if it was")
    rank: int | None = Field(description="null for a banned participant or one not in")
    outcome: Literal["won", "lost", "returned"] | None
    payout_coins: int
    stake_coins: int
    is_me: bool


class ChallengeOut(Out):
    id: int
    name: str
    goal_type: GoalType
    goal_label: str
    target_steps: int | None
    start_date: date
    end_date: date
    stake_coins: int
    max_participants: int
    status: Literal["open", "cancelled", "void", "settled"]
    phase: Literal["upcoming", "running", "settling", "settled", "cancelled", "void"]
    pot_coins: int = Field(description="Forfeited stakes shared by the winners (once settled)")
    joined_count: int
    days_total: int
    days_elapsed: int
    remainder_rule: str
    me: StandingOut
    standings: list[StandingOut]
    invited: list[StandingOut]
    can_join: bool
    can_decline: bool
    can_cancel: bool
    can_invite: bool


class ChallengeSummaryOut(Out):
    id: int
    name: str
    goal_type: GoalType
    start_date: date
    end_date: date
    stake_coins: int
    phase: Literal["upcoming", "running", "settling", "settled", "cancelled", "void"]
    my_status: Literal["invited", "joined", "declined"]
    joined_count: int


class ChallengesOut(Out):
    items: list[ChallengeSummaryOut]


# --- teams ----------------------------------------------------------------------------


class TeamIn(BodyIn):
    name: Annotated[str, Field(min_length=1, max_length=60)]


class TeamJoinIn(BodyIn):
    code: Annotated[str, Field(min_length=1, max_length=12)]


class TeammateOut(Out):
    user_id: int
    display_name: str
    weekly_steps: int | None = Field(
        description="Verified steps this week; null when the member keeps steps private"
    )
    is_me: bool


class MyTeamOut(Out):
    id: int
    name: str
    join_code: str = Field(description="Share it: others join with it")
    members: list[TeammateOut]


class TeamRowOut(Out):
    rank: int
    team_id: int
    name: str
    members: int
    average_steps: int = Field(description="This week's verified steps per member")
    is_mine: bool


class TeamsOut(Out):
    week_start: date
    max_members: int
    team: MyTeamOut | None
    board: list[TeamRowOut]
