"""Friends: invite by code, accept / decline, remove, block, and the weekly board."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.backoffice import member_admin
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.gamification import friends
from app.models.notifications import Notification
from app.steps import sync as steps


@pytest.fixture
def ann(make_member):
    return make_member(full_name="Ann Walker")


@pytest.fixture
def bob(make_member):
    return make_member(full_name="Bob Stroll")


def walk(user, count: int, days_ago: int = 0) -> None:
    steps.sync_records(
        user,
        [
            steps.IncomingRecord(
                day=steps.member_today(user) - timedelta(days=days_ago),
                steps=count,
                source="google_fit",
                distance_m=count * 0.75,
                active_minutes=max(1, count // 100),
            )
        ],
    )


def board_of(user) -> list[tuple[str, int | None]]:
    return [(row.display_name, row.weekly_steps) for row in friends.overview(user.id).board]


def test_an_invitation_accepted_puts_both_on_each_others_board(ann, bob):
    invitation = friends.invite(ann.id, bob.referral_code.lower())
    assert friends.overview(bob.id).incoming[0].display_name == "Ann W."
    assert friends.overview(ann.id).outgoing[0].display_name == "Bob S."
    titles = db.session.execute(
        select(Notification.title).where(Notification.user_id == bob.id)
    ).scalars()
    assert "Ann W. wants to be friends" in list(titles)
    friends.accept(bob.id, invitation.id)
    assert friends.are_friends(ann.id, bob.id)
    assert {name for name, _ in board_of(ann)} == {"Ann W.", "Bob S."}


def test_the_board_counts_this_weeks_verified_steps_only(ann, bob):
    friends.accept(bob.id, friends.invite(ann.id, bob.referral_code).id)
    walk(bob, 6_000)
    walk(ann, 2_000)
    today = steps.member_today(ann)
    if today.weekday() > 0:
        walk(bob, 1_000, days_ago=1)  # earlier this week: counts
        expected_bob = 7_000
    else:
        expected_bob = 6_000
    walk(bob, 50_000, days_ago=7 + today.weekday())  # last week: does not count
    assert board_of(ann) == [("Bob S.", expected_bob), ("Ann W.", 2_000)]


def test_a_member_hidden_from_leaderboards_is_hidden_on_friends_boards(ann, bob):
    friends.accept(bob.id, friends.invite(ann.id, bob.referral_code).id)
    walk(bob, 6_000)
    bob.leaderboard_hidden = True
    db.session.commit()
    assert ("Bob S.", None) in board_of(ann)
    assert ("Bob S.", 6_000) in board_of(bob), "a member always sees their own steps"


def test_asking_someone_who_asked_you_accepts(ann, bob):
    friends.invite(ann.id, bob.referral_code)
    friends.invite(bob.id, ann.referral_code)
    assert friends.are_friends(ann.id, bob.id)


def test_refused_invitations_say_why(ann, bob):
    with pytest.raises(ValidationFailed):
        friends.invite(ann.id, ann.referral_code)
    with pytest.raises(ValidationFailed):
        friends.invite(ann.id, "  ")
    with pytest.raises(NotFound):
        friends.invite(ann.id, "NOPE1234")
    friends.invite(ann.id, bob.referral_code)
    with pytest.raises(Conflict, match="already invited"):
        friends.invite(ann.id, bob.referral_code)


def test_only_the_invited_member_answers_an_invitation(ann, bob, make_member):
    carl = make_member(full_name="Carl Third")
    invitation = friends.invite(ann.id, bob.referral_code)
    for someone in (ann, carl):
        with pytest.raises(NotFound):
            friends.accept(someone.id, invitation.id)
    friends.decline(bob.id, invitation.id)
    assert not friends.are_friends(ann.id, bob.id)
    assert friends.overview(bob.id).incoming == []
    with pytest.raises(NotFound):
        friends.accept(bob.id, invitation.id)
    friends.invite(ann.id, bob.referral_code)  # declined is not final: she may ask again
    assert friends.overview(bob.id).incoming[0].user_id == ann.id


def test_removing_ends_the_friendship_for_both(ann, bob):
    friends.accept(bob.id, friends.invite(ann.id, bob.referral_code).id)
    friends.remove(bob.id, ann.id)
    assert board_of(ann) == [("Ann W.", 0)]
    with pytest.raises(NotFound):
        friends.remove(bob.id, ann.id)


def test_a_block_hides_the_blocker_and_stops_invitations(ann, bob):
    friends.accept(bob.id, friends.invite(ann.id, bob.referral_code).id)
    friends.block(bob.id, ann.id)
    assert board_of(ann) == [("Ann W.", 0)]
    assert board_of(bob) == [("Bob S.", 0)]
    with pytest.raises(NotFound, match="No member has that code"):
        friends.invite(ann.id, bob.referral_code)  # the block is not revealed
    with pytest.raises(Conflict, match="unblock"):
        friends.invite(bob.id, ann.referral_code)
    friends.block(ann.id, bob.id)  # she cannot take his block over
    assert [b.user_id for b in friends.overview(bob.id).blocked] == [ann.id]
    with pytest.raises(NotFound):
        friends.remove(ann.id, bob.id)
    friends.remove(bob.id, ann.id)  # he lifts his block
    friends.invite(ann.id, bob.referral_code)


def test_a_banned_friend_leaves_the_board(ann, bob, admin):
    friends.accept(bob.id, friends.invite(ann.id, bob.referral_code).id)
    member_admin.set_status(bob.id, "banned", admin_id=admin.id, reason="Cheating")
    assert board_of(ann) == [("Ann W.", 0)]
    with pytest.raises(NotFound):
        friends.invite(ann.id, bob.referral_code)
