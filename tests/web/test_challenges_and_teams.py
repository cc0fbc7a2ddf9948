"""Challenge and team pages over HTTP: forms post and redirect, errors sit beside the field."""

from __future__ import annotations

from datetime import date, timedelta

from app.coins import ledger
from app.core.db import transaction
from app.gamification import challenges, friends, teams
from app.steps.sync import member_today
from tests.web.conftest import Member


def friends_with_coins(member, ann) -> None:
    friends.accept(ann.id, friends.invite(member.id, ann.referral_code).id)
    with transaction():
        for person in (member, ann):
            ledger.award_step_coins(person.id, date(2026, 11, 1), 300)


def test_a_challenge_is_created_from_the_form_and_joined_with_its_stake(
    app, client, member, make_member
):
    ann = make_member(full_name="Ann Walker")
    friends_with_coins(member, ann)
    browser = Member(client, member)
    form = browser.get("/challenges/new").text
    assert "Ann W." in form and "joined earliest" in form
    tomorrow = member_today(member) + timedelta(days=1)
    created = browser.post(
        "/challenges/new",
        {
            "name": "Lunch laps",
            "goal_type": "most_steps",
            "start_date": tomorrow.isoformat(),
            "end_date": (tomorrow + timedelta(days=2)).isoformat(),
            "stake_coins": "40",
            "max_participants": "5",
            "invite_user_ids": str(ann.id),
        },
    )
    assert created.status_code == 302
    (summary,) = challenges.my_challenges(ann.id)
    assert summary.my_status == "invited"
    ann_browser = Member(app.test_client(), ann)
    page = ann_browser.get(created.headers["Location"]).text
    assert "Join and stake 40 coins" in page
    joined = ann_browser.post(f"/challenges/{summary.challenge.id}/join")
    assert joined.status_code == 302
    standings = ann_browser.get(f"/challenges/{summary.challenge.id}").text
    assert 'id="challenge-standings"' in standings and "Ann W." in standings
    assert "Lunch laps" in ann_browser.get("/challenges").text


def test_bad_challenge_input_is_shown_beside_its_field(client, member):
    browser = Member(client, member)
    answer = browser.post(
        "/challenges/new",
        {
            "name": "Past",
            "goal_type": "most_steps",
            "start_date": member_today(member).isoformat(),
            "end_date": member_today(member).isoformat(),
            "stake_coins": "0",
        },
    )
    assert answer.status_code == 422
    assert 'id="start_date-error" class="field-error">Start tomorrow' in answer.text
    no_target = browser.post(
        "/challenges/new",
        {
            "name": "No target",
            "goal_type": "reach_target",
            "start_date": (member_today(member) + timedelta(days=1)).isoformat(),
            "end_date": (member_today(member) + timedelta(days=1)).isoformat(),
        },
    )
    assert 'id="target_steps-error"' in no_target.text


def test_a_join_refused_for_coins_says_so_beside_the_button(app, client, member, make_member):
    ann = make_member(full_name="Ann Walker")
    friends_with_coins(member, ann)
    with transaction():
        ledger.award_step_coins(member.id, date(2026, 11, 2), 900)
    challenge = challenges.create_challenge(
        member.id,
        name="Big stake",
        goal_type="most_steps",
        start_date=member_today(member) + timedelta(days=1),
        end_date=member_today(member) + timedelta(days=1),
        stake_coins=1_000,
        invite_user_ids=[ann.id],
    )
    ann_browser = Member(app.test_client(), ann)
    refused = ann_browser.post(f"/challenges/{challenge.id}/join")
    assert refused.status_code == 409
    assert 'id="join-error" class="field-error">Not enough coins' in refused.text


def test_strangers_get_a_404_for_someone_elses_challenge(app, client, member, make_member):
    ann = make_member(full_name="Ann Walker")
    friends_with_coins(member, ann)
    challenge = challenges.create_challenge(
        member.id,
        name="Private",
        goal_type="most_steps",
        start_date=member_today(member) + timedelta(days=1),
        end_date=member_today(member) + timedelta(days=1),
    )
    stranger = Member(app.test_client(), make_member(full_name="Stan Ger"))
    assert stranger.get(f"/challenges/{challenge.id}").status_code == 404
    assert stranger.post(f"/challenges/{challenge.id}/join").status_code == 404
    assert stranger.post(f"/challenges/{challenge.id}/cancel").status_code == 404
    ann_browser = Member(app.test_client(), ann)
    assert ann_browser.post(f"/challenges/{challenge.id}/cancel").status_code == 404
    assert client.post(f"/challenges/{challenge.id}/cancel").status_code == 400, "no CSRF"


def test_teams_are_started_joined_by_code_and_left_from_the_page(app, client, member, make_member):
    browser = Member(client, member)
    assert browser.post("/teams/create", {"name": "Striders"}).status_code == 302
    page = browser.get("/teams").text
    team = teams.overview(member.id).team
    assert team.join_code in page and 'id="team-board"' in page
    ann_browser = Member(app.test_client(), make_member(full_name="Ann Walker"))
    wrong = ann_browser.post("/teams/join", {"code": "TNOPE123"})
    assert wrong.status_code == 404
    assert 'id="team-join-code-error" class="field-error">No team has that code.' in wrong.text
    assert ann_browser.post("/teams/join", {"code": team.join_code}).status_code == 302
    assert "2 members" in ann_browser.get("/teams").text
    assert ann_browser.post("/teams/leave").status_code == 302
    short = ann_browser.post("/teams/create", {"name": "x"})
    assert short.status_code == 422 and 'id="team-name-error"' in short.text
