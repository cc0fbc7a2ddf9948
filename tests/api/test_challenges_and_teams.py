"""Challenges and teams through the phone API, with the SPEC error shape."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from app.coins import ledger
from app.core.db import transaction
from app.gamification import friends
from tests.api.conftest import Phone


def tomorrow() -> str:
    return (datetime.now(UTC).date() + timedelta(days=1)).isoformat()


def in_days(n: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=n)).isoformat()


def befriended(make_member, *names: str):
    people = [make_member(full_name=name) for name in names]
    for other in people[1:]:
        friends.accept(other.id, friends.invite(people[0].id, other.referral_code).id)
    with transaction():
        for person in people:
            ledger.award_step_coins(person.id, date(2026, 11, 1), 500)
    return people


def test_a_staked_challenge_is_created_joined_and_read_by_its_members(app, make_member):
    ann, bob, cara = befriended(make_member, "Ann Walker", "Bob Stroll", "Cara Pace")
    ann_phone, bob_phone = Phone(app.test_client(), ann.email), Phone(app.test_client(), bob.email)
    created = ann_phone.post(
        "/challenges",
        {
            "name": "Weekend warriors",
            "goal_type": "reach_target",
            "target_steps": 20_000,
            "start_date": tomorrow(),
            "end_date": in_days(3),
            "stake_coins": 50,
            "invite_user_ids": [bob.id],
        },
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["phase"], body["joined_count"], body["can_cancel"]) == ("upcoming", 1, True)
    assert "earliest" in body["remainder_rule"]
    assert ann_phone.get("/wallet").get_json()["frozen_coins"] == 50

    (listed,) = bob_phone.get("/challenges").get_json()["items"]
    assert (listed["id"], listed["my_status"]) == (body["id"], "invited")
    joined = bob_phone.post(f"/challenges/{body['id']}/join")
    assert joined.status_code == 200
    assert joined.get_json()["me"]["status"] == "joined"
    assert [s["display_name"] for s in joined.get_json()["standings"]] == ["Ann W.", "Bob S."]
    assert bob_phone.get("/wallet").get_json() == {
        "available_coins": 450,
        "frozen_coins": 50,
        "lifetime_earned": 500,
        "lifetime_spent": 0,
    }
    twice = bob_phone.post(f"/challenges/{body['id']}/join")
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "conflict"
    not_creator = bob_phone.post(f"/challenges/{body['id']}/cancel")
    assert not_creator.status_code == 403

    cara_phone = Phone(app.test_client(), cara.email)
    for path in (f"/challenges/{body['id']}", f"/challenges/{body['id']}/join"):
        answer = cara_phone.get(path) if path.endswith(str(body["id"])) else cara_phone.post(path)
        assert answer.status_code == 404
        assert answer.get_json()["error"] == {
            "code": "not_found",
            "message": "No such challenge.",
            "details": [],
        }
    invited = ann_phone.post(f"/challenges/{body['id']}/invitations", {"user_ids": [cara.id]})
    assert [s["display_name"] for s in invited.get_json()["invited"]] == ["Cara P."]
    cancelled = ann_phone.post(f"/challenges/{body['id']}/cancel")
    assert cancelled.get_json()["status"] == "cancelled"
    assert bob_phone.get("/wallet").get_json()["frozen_coins"] == 0


def test_bad_challenges_get_a_422_naming_the_field(app, make_member):
    (ann,) = befriended(make_member, "Ann Walker")
    phone = Phone(app.test_client(), ann.email)
    base = {
        "name": "x",
        "goal_type": "most_steps",
        "start_date": tomorrow(),
        "end_date": tomorrow(),
    }
    for changes, field in (
        ({"goal_type": "fastest"}, "goal_type"),
        ({"stake_coins": "10"}, "stake_coins"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"goal_type": "daily_goal"}, "target_steps"),
        ({"start_date": date.today().isoformat()}, "start_date"),
        ({"stake_coins": 999_999}, "stake_coins"),
    ):
        answer = phone.post("/challenges", {**base, **changes})
        assert answer.status_code == 422, (changes, answer.get_json())
        assert answer.get_json()["error"]["details"][0]["field"] == field
    too_much = phone.post("/challenges", {**base, "stake_coins": 600})
    assert too_much.status_code == 409
    assert too_much.get_json()["error"]["code"] == "insufficient_coins"
    assert phone.get("/challenges/99999999999").status_code == 404
    assert app.test_client().get("/api/v1/challenges").status_code == 401


def test_teams_form_join_by_code_and_leave_on_the_phone(app, make_member):
    ann, bob = make_member(full_name="Ann Walker"), make_member(full_name="Bob Stroll")
    ann_phone, bob_phone = Phone(app.test_client(), ann.email), Phone(app.test_client(), bob.email)
    created = ann_phone.post("/teams", {"name": "Striders"})
    assert created.status_code == 201
    team = created.get_json()["team"]
    assert team["name"] == "Striders" and len(team["join_code"]) == 8
    wrong = bob_phone.post("/teams/join", {"code": "TNOPE123"})
    assert wrong.status_code == 404 and wrong.get_json()["error"]["message"] == (
        "No team has that code."
    )
    joined = bob_phone.post("/teams/join", {"code": team["join_code"]})
    assert joined.status_code == 200
    board = joined.get_json()["board"]
    assert [(r["name"], r["members"], r["is_mine"]) for r in board] == [("Striders", 2, True)]
    again = bob_phone.post("/teams", {"name": "Other"})
    assert again.status_code == 409
    taken = make_member(full_name="Cy Walker")
    duplicate = Phone(app.test_client(), taken.email).post("/teams", {"name": "STRIDERS"})
    assert duplicate.status_code == 422
    assert duplicate.get_json()["error"]["details"] == [{"field": "name"}]
    assert bob_phone.post("/teams/leave").status_code == 204
    assert bob_phone.get("/teams").get_json()["team"] is None
    assert bob_phone.post("/teams/leave").status_code == 404
