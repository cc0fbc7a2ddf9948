"""Teams: create, join by code up to the size limit, leave; the weekly board; team badges."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from app.accounts import profile
from app.backoffice.settings import update_settings
from app.core.db import transaction
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.gamification import achievements, teams
from app.models.gamification import Achievement, UserAchievement
from app.models.groups import Team, TeamMember
from app.models.steps import StepRecord
from tests.coins.test_ledger_concurrency import run_threads
from tests.fixtures.factories import PASSWORD

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)  # a Thursday
MONDAY = date(2026, 11, 30)


def walk(user, day: date, steps: int, status: str = "verified", source: str = "google_fit") -> None:
    with transaction():
        db.session.add(
            StepRecord(
                user_id=user.id, recorded_date=day, source=source, steps=steps, status=status
            )
        )


@pytest.fixture
def people(make_member):
    return [make_member(full_name=f"{name} Walker") for name in ("Ann", "Bob", "Cy", "Dee")]


def test_a_team_is_formed_by_code_and_the_board_ranks_by_average_verified_steps(people):
    ann, bob, cy, dee = people
    owls = teams.create_team(ann.id, "Night  Owls", now=NOW)
    assert owls.name == "Night Owls"
    teams.join_team(bob.id, owls.join_code.lower(), now=NOW)
    larks = teams.create_team(cy.id, "Larks", now=NOW)
    walk(ann, MONDAY, 10_000)
    walk(bob, MONDAY, 2_000)
    walk(bob, MONDAY, 9_000, status="rejected", source="fitbit")  # never counts
    walk(cy, MONDAY, 5_000)
    walk(cy, date(2026, 11, 29), 80_000)  # last week
    board = teams.overview(ann.id, now=NOW).board
    assert [(r.rank, r.name, r.members, r.average_steps, r.is_mine) for r in board] == [
        (1, "Night Owls", 2, 6_000, True),
        (2, "Larks", 1, 5_000, False),
    ]
    view = teams.overview(bob.id, now=NOW)
    assert view.team.id == owls.id
    assert [(t.display_name, t.weekly_steps) for t in view.teammates] == [
        ("Ann W.", 10_000),
        ("Bob W.", 2_000),
    ]
    assert teams.overview(dee.id, now=NOW).team is None
    assert larks.join_code != owls.join_code


def test_a_hidden_teammate_counts_in_the_average_but_not_by_name(people):
    ann, bob, _, _ = people
    team = teams.create_team(ann.id, "Quiet", now=NOW)
    teams.join_team(bob.id, team.join_code, now=NOW)
    walk(bob, MONDAY, 8_000)
    bob.leaderboard_hidden = True
    db.session.commit()
    view = teams.overview(ann.id, now=NOW)
    assert view.board[0].average_steps == 4_000
    assert ("Bob W.", None) in [(t.display_name, t.weekly_steps) for t in view.teammates]


def test_a_full_team_refuses_the_next_member(people, admin):
    ann, bob, cy, _ = people
    update_settings({"team_max_members": 2}, admin_id=admin.id)
    db.session.commit()
    team = teams.create_team(ann.id, "Pair", now=NOW)
    teams.join_team(bob.id, team.join_code, now=NOW)
    with pytest.raises(Conflict, match="full"):
        teams.join_team(cy.id, team.join_code, now=NOW)


def test_one_team_at_a_time_and_names_are_unique_whatever_the_case(people):
    ann, bob, _, _ = people
    team = teams.create_team(ann.id, "Striders", now=NOW)
    with pytest.raises(Conflict):
        teams.create_team(ann.id, "Second", now=NOW)
    with pytest.raises(Conflict, match="already"):
        teams.join_team(ann.id, team.join_code, now=NOW)
    with pytest.raises(ValidationFailed) as taken:
        teams.create_team(bob.id, "STRIDERS", now=NOW)
    assert taken.value.details == [{"field": "name"}]
    with pytest.raises(ValidationFailed):
        teams.create_team(bob.id, "x", now=NOW)
    with pytest.raises(NotFound):
        teams.join_team(bob.id, "TNOSUCH1", now=NOW)
    with pytest.raises(ValidationFailed):
        teams.join_team(bob.id, "  ", now=NOW)


def test_the_last_member_to_leave_ends_the_team(people):
    ann, bob, _, _ = people
    team = teams.create_team(ann.id, "Brief", now=NOW)
    teams.join_team(bob.id, team.join_code, now=NOW)
    teams.leave_team(ann.id)
    assert db.session.get(Team, team.id) is not None
    teams.leave_team(bob.id)
    assert db.session.execute(select(func.count()).select_from(Team)).scalar_one() == 0
    with pytest.raises(NotFound):
        teams.leave_team(bob.id)


def test_a_team_badge_unlocks_through_the_achievement_rules(people):
    ann, bob, cy, _ = people
    badge = Achievement(
        code="team_test",
        name="Team Test",
        unlock_criteria={"team_size": 3, "team_week_average": 20_000},
        reward_coins=30,
    )
    db.session.add(badge)
    db.session.commit()
    team = teams.create_team(ann.id, "Trio", now=NOW)
    for person in (bob, cy):
        teams.join_team(person.id, team.join_code, now=NOW)
    for person in (ann, bob, cy):
        walk(person, MONDAY, 19_000)
    with transaction():
        assert "team_test" not in [a.code for a in achievements.evaluate(ann.id, now=NOW)]
    walk(ann, date(2026, 12, 1), 3_000)  # the team's week: (22,000 + 19,000 * 2) / 3 = 20,000
    assert teams.team_facts(bob.id, now=NOW) == teams.TeamFacts(3, 20_000)
    with transaction():
        assert "team_test" in [a.code for a in achievements.evaluate(bob.id, now=NOW)]
    assert (
        db.session.execute(
            select(UserAchievement.coins_awarded).where(UserAchievement.user_id == bob.id)
        ).scalar_one()
        == 30
    )


def test_members_racing_for_the_last_place_on_a_team_let_one_in(app, people, admin):
    ann, *others = people
    update_settings({"team_max_members": 2}, admin_id=admin.id)
    db.session.commit()
    code = teams.create_team(ann.id, "Race", now=NOW).join_code
    ids = [p.id for p in others]
    refused: list[str] = []

    def work(index: int) -> None:
        try:
            teams.join_team(ids[index], code, now=NOW)
        except Conflict as exc:
            refused.append(exc.message)

    assert run_threads(app, work, count=len(ids)) == []
    assert refused == ["This team is full."] * (len(ids) - 1)
    assert db.session.execute(select(func.count()).select_from(TeamMember)).scalar_one() == 2


def test_a_deleted_account_leaves_its_team(people):
    ann, bob, _, _ = people
    team = teams.create_team(ann.id, "Leavers", now=NOW)
    teams.join_team(bob.id, team.join_code, now=NOW)
    profile.delete_account(bob, PASSWORD)
    assert [t.user_id for t in teams.overview(ann.id, now=NOW).teammates] == [ann.id]
