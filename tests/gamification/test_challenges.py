"""Challenges: stakes through the ledger from creation to settlement, and who may do what."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from app.backoffice import member_admin
from app.coins import ledger, reconciliation
from app.core.db import transaction
from app.core.errors import Conflict, Forbidden, InsufficientCoins, NotFound, ValidationFailed
from app.extensions import db
from app.gamification import challenges, friends
from app.jobs import run_job
from app.models.groups import ChallengeParticipant
from app.models.steps import StepRecord
from app.models.wallet import CoinTransaction, Wallet

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
START, END = date(2026, 12, 2), date(2026, 12, 4)
AFTER_SETTLE_WINDOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # end + 2 days have passed


@pytest.fixture
def trio(make_member):
    """Ann and her friends Bob and Cara, 1,000 coins each."""
    people = [make_member(full_name=name) for name in ("Ann Walker", "Bob Stroll", "Cara Pace")]
    ann, bob, cara = people
    for other in (bob, cara):
        friends.accept(other.id, friends.invite(ann.id, other.referral_code).id)
    with transaction():
        for person in people:
            ledger.award_step_coins(person.id, date(2026, 11, 1), 1_000)
    return people


def walk(user, day: date, steps: int, status: str = "verified", source: str = "google_fit"):
    with transaction():
        db.session.add(
            StepRecord(
                user_id=user.id, recorded_date=day, source=source, steps=steps, status=status
            )
        )


def wallet(user) -> tuple[int, int]:
    db.session.expire_all()
    row = db.session.execute(select(Wallet).where(Wallet.user_id == user.id)).scalar_one()
    return row.available_coins, row.frozen_coins


def books_balance() -> None:
    """Every wallet equals its ledger and every hash chain holds."""
    assert reconciliation.find_wallet_drift().drift == []
    assert reconciliation.verify_ledger_chains(now=NOW + timedelta(days=30)).breaks == []


def staked(ann, bob, cara, *, goal="most_steps", target=None, stake=100, size=None):
    challenge = challenges.create_challenge(
        ann.id,
        name="December dash",
        goal_type=goal,
        target_steps=target,
        start_date=START,
        end_date=END,
        stake_coins=stake,
        max_participants=size,
        invite_user_ids=[bob.id, cara.id],
        now=NOW,
    )
    return challenge


def test_a_three_member_staked_challenge_runs_from_creation_to_settlement(trio):
    ann, bob, cara = trio
    challenge = staked(ann, bob, cara)
    assert wallet(ann) == (900, 100), "the creator's stake is frozen on creation"
    challenges.join(bob.id, challenge.id, now=NOW)
    challenges.join(cara.id, challenge.id, now=NOW)
    assert wallet(bob) == wallet(cara) == (900, 100)
    books_balance()

    for day in (START, START + timedelta(days=1), END):
        walk(ann, day, 8_000)
        walk(bob, day, 12_000)
        walk(cara, day, 5_000)
    walk(cara, END, 90_000, status="rejected", source="fitbit")  # rejected days never count

    assert run_job("challenges", now=AFTER_SETTLE_WINDOW).outcome == "success"
    assert wallet(bob) == (1_200, 0), "the winner's stake back plus the two lost stakes"
    assert wallet(ann) == wallet(cara) == (900, 0)
    books_balance()
    db.session.expire_all()
    assert challenge.status == "settled" and challenge.pot_coins == 200
    view = challenges.view(bob.id, challenge.id, now=AFTER_SETTLE_WINDOW)
    assert [(s.display_name, s.steps, s.rank, s.outcome) for s in view.standings] == [
        ("Bob S.", 36_000, 1, "won"),
        ("Ann W.", 24_000, 2, "lost"),
        ("Cara P.", 15_000, 3, "lost"),
    ]

    again = run_job("challenges", now=AFTER_SETTLE_WINDOW + timedelta(days=1))
    assert again.outcome == "success" and again.details["settled"] == []
    assert wallet(bob) == (1_200, 0), "a second settlement pays nothing twice"
    payouts = db.session.execute(
        select(CoinTransaction.ledger_key).where(
            CoinTransaction.transaction_type == "challenge_payout"
        )
    ).scalars()
    assert list(payouts) == [f"challenge:{challenge.id}:payout:{bob.id}"]


def test_settling_twice_directly_moves_nothing_the_second_time(trio):
    ann, bob, cara = trio
    challenge = staked(ann, bob, cara)
    challenges.join(bob.id, challenge.id, now=NOW)
    walk(bob, START, 3_000)
    assert challenges.settle_challenge(challenge.id, now=AFTER_SETTLE_WINDOW) == "settled"
    rows = db.session.execute(select(CoinTransaction.id)).scalars().all()
    assert challenges.settle_challenge(challenge.id, now=AFTER_SETTLE_WINDOW) == "closed"
    assert db.session.execute(select(CoinTransaction.id)).scalars().all() == rows
    assert wallet(bob) == (1_100, 0) and wallet(ann) == (900, 0)


def test_a_tie_splits_the_pot_and_the_earliest_joiner_gets_the_leftover_coin(make_member):
    people = [make_member(full_name=f"Walker {n}") for n in "ABCDE"]
    ann, *others = people
    for other in others:
        friends.accept(other.id, friends.invite(ann.id, other.referral_code).id)
    with transaction():
        for person in people:
            ledger.award_step_coins(person.id, date(2026, 11, 1), 100)
    challenge = challenges.create_challenge(
        ann.id,
        name="Tie",
        goal_type="most_steps",
        start_date=START,
        end_date=START,
        stake_coins=1,
        invite_user_ids=[p.id for p in others],
        now=NOW,
    )
    for minutes, person in enumerate(others, start=1):
        challenges.join(person.id, challenge.id, now=NOW + timedelta(minutes=minutes))
    b, c, d, e = others
    walk(c, START, 9_000)
    walk(e, START, 9_000)
    # Pot: 3 lost stakes of 1 coin between two winners: 2 to Walker C (joined first), 1 to E.
    challenges.settle_challenge(challenge.id, now=AFTER_SETTLE_WINDOW)
    assert wallet(c) == (102, 0) and wallet(e) == (101, 0)
    assert wallet(ann) == wallet(b) == wallet(d) == (99, 0)
    books_balance()


@given(pot=st.integers(0, 10_000), winners=st.integers(1, 30))
def test_pot_shares_add_up_to_the_pot_and_differ_by_at_most_one(pot, winners):
    shares = challenges.split_pot(pot, list(range(winners)))
    assert sum(shares.values()) == pot
    assert max(shares.values()) - min(shares.values()) <= 1
    assert list(shares.values()) == sorted(shares.values(), reverse=True), "earliest first"


@pytest.mark.parametrize(
    ("goal", "target", "expected"),
    [
        ("most_steps", None, {"b"}),
        ("reach_target", 20_000, {"a", "b"}),
        ("first_to_target", 20_000, {"b"}),
        ("first_to_target", 50_000, set()),
        ("daily_goal", 7_000, {"a", "b"}),
        ("daily_goal", 10_000, set()),
    ],
)
def test_each_goal_picks_its_winners(goal, target, expected):
    d1, d2, d3 = challenges.challenge_days(START, END)
    steps = {
        "a": {d1: 7_000, d2: 7_000, d3: 7_000},  # 21,000: reaches 20,000 on the third day
        "b": {d1: 12_000, d2: 9_000, d3: 9_000},  # 30,000: reaches 20,000 on the second day
        "c": {d1: 5_000, d2: 5_000},  # 10,000: nothing reached
    }
    assert challenges.decide_winners(goal, target, [d1, d2, d3], steps) == expected


def test_a_day_under_review_counts_once_approved_within_the_settle_window(trio):
    ann, bob, cara = trio
    challenge = staked(ann, bob, cara, goal="reach_target", target=10_000)
    challenges.join(bob.id, challenge.id, now=NOW)
    walk(ann, START, 10_000)
    walk(bob, START, 15_000, status="pending")
    assert challenges.settle_challenge(challenge.id, now=datetime(2026, 12, 6, tzinfo=UTC)) == (
        "waiting"
    ), "the settle window is still open"
    record = db.session.execute(select(StepRecord).where(StepRecord.user_id == bob.id)).scalar_one()
    record.status = "verified"  # the review approved it
    db.session.commit()
    challenges.settle_challenge(challenge.id, now=AFTER_SETTLE_WINDOW)
    assert wallet(bob) == (1_000, 0) and wallet(ann) == (1_000, 0), "both reached it"


def test_a_day_still_under_review_when_the_window_closes_does_not_count(trio):
    ann, bob, cara = trio
    challenge = staked(ann, bob, cara, goal="reach_target", target=10_000)
    challenges.join(bob.id, challenge.id, now=NOW)
    walk(ann, START, 10_000)
    walk(bob, START, 15_000, status="pending")
    challenges.settle_challenge(challenge.id, now=AFTER_SETTLE_WINDOW)
    assert wallet(ann) == (1_100, 0) and wallet(bob) == (900, 0)
    books_balance()


def test_a_banned_participant_gets_the_stake_back_and_is_not_ranked(trio, admin):
    ann, bob, cara = trio
    challenge = staked(ann, bob, cara)
    challenges.join(bob.id, challenge.id, now=NOW)
    challenges.join(cara.id, challenge.id, now=NOW)
    walk(bob, START, 50_000)
    walk(ann, START, 9_000)
    walk(cara, START, 1_000)
    member_admin.set_status(bob.id, "banned", admin_id=admin.id, reason="Shaking the phone")
    challenges.settle_challenge(challenge.id, now=AFTER_SETTLE_WINDOW)
    assert wallet(bob) == (1_000, 0), "returned, not forfeited"
    assert wallet(ann) == (1_100, 0) and wallet(cara) == (900, 0)
    books_balance()
    outcomes = dict(
        db.session.execute(select(ChallengeParticipant.user_id, ChallengeParticipant.outcome)).all()
    )
    assert outcomes == {ann.id: "won", bob.id: "returned", cara.id: "lost"}


def test_cancelling_before_the_start_returns_every_stake(trio):
    ann, bob, cara = trio
    challenge = staked(ann, bob, cara)
    challenges.join(bob.id, challenge.id, now=NOW)
    with pytest.raises(Forbidden):
        challenges.cancel(bob.id, challenge.id, now=NOW)
    challenges.cancel(ann.id, challenge.id, now=NOW)
    assert wallet(ann) == wallet(bob) == (1_000, 0)
    books_balance()
    with pytest.raises(Conflict):
        challenges.join(cara.id, challenge.id, now=NOW)
    assert challenges.settle_challenge(challenge.id, now=AFTER_SETTLE_WINDOW) == "closed"


def test_the_creator_cannot_cancel_once_it_has_started(trio):
    ann, bob, cara = trio
    challenge = staked(ann, bob, cara)
    challenges.join(bob.id, challenge.id, now=NOW)
    with pytest.raises(Conflict, match="started"):
        challenges.cancel(ann.id, challenge.id, now=datetime(2026, 12, 2, 1, tzinfo=UTC))


def test_too_few_joined_by_the_first_day_voids_it_and_returns_the_stake(trio):
    ann, bob, cara = trio
    challenge = staked(ann, bob, cara)
    assert challenges.settle_challenge(challenge.id, now=NOW) == "waiting"
    assert challenges.settle_challenge(challenge.id, now=datetime(2026, 12, 2, 2, tzinfo=UTC)) == (
        "voided"
    )
    assert wallet(ann) == (1_000, 0)
    books_balance()
    with pytest.raises(Conflict):
        challenges.join(bob.id, challenge.id, now=NOW)


def test_nobody_reaching_the_target_returns_every_stake(trio):
    ann, bob, cara = trio
    challenge = staked(ann, bob, cara, goal="first_to_target", target=100_000)
    challenges.join(bob.id, challenge.id, now=NOW)
    walk(bob, START, 20_000)
    challenges.settle_challenge(challenge.id, now=AFTER_SETTLE_WINDOW)
    assert wallet(ann) == wallet(bob) == (1_000, 0)
    books_balance()


def test_only_invited_members_see_or_join_a_challenge(trio, make_member):
    ann, bob, cara = trio
    stranger = make_member(full_name="Stan Ger")
    challenge = staked(ann, bob, cara)
    with pytest.raises(NotFound):
        challenges.join(stranger.id, challenge.id, now=NOW)
    with pytest.raises(NotFound):
        challenges.view(stranger.id, challenge.id, now=NOW)
    with pytest.raises(NotFound):
        challenges.join(bob.id, 2**40, now=NOW)
    assert challenges.my_challenges(stranger.id) == []
    assert [s.my_status for s in challenges.my_challenges(bob.id, now=NOW)] == ["invited"]


def test_only_friends_can_be_invited(trio, make_member):
    ann, bob, cara = trio
    stranger = make_member(full_name="Stan Ger")
    with pytest.raises(ValidationFailed) as refused:
        challenges.create_challenge(
            ann.id,
            name="Sneaky",
            goal_type="most_steps",
            start_date=START,
            end_date=END,
            invite_user_ids=[stranger.id],
            now=NOW,
        )
    assert refused.value.details == [{"field": "invite_user_ids"}]
    assert wallet(ann) == (1_000, 0)
    challenge = staked(ann, bob, cara)
    with pytest.raises(Forbidden):
        challenges.invite(bob.id, challenge.id, [cara.id], now=NOW)


def test_a_full_challenge_takes_no_more_members(trio):
    ann, bob, cara = trio
    challenge = staked(ann, bob, cara, size=2)
    challenges.join(bob.id, challenge.id, now=NOW)
    with pytest.raises(Conflict, match="full"):
        challenges.join(cara.id, challenge.id, now=NOW)
    assert wallet(cara) == (1_000, 0)


def test_a_stake_larger_than_the_wallet_is_refused_and_freezes_nothing(trio):
    ann, bob, cara = trio
    with transaction():
        ledger.award_step_coins(ann.id, date(2026, 11, 2), 5_000)
    challenge = staked(ann, bob, cara, stake=3_000)
    with pytest.raises(InsufficientCoins):
        challenges.join(bob.id, challenge.id, now=NOW)
    assert wallet(bob) == (1_000, 0)
    assert challenges.view(bob.id, challenge.id, now=NOW).me.status == "invited"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "name"),
        ({"goal_type": "fastest"}, "goal_type"),
        ({"goal_type": "reach_target", "target_steps": None}, "target_steps"),
        ({"stake_coins": -1}, "stake_coins"),
        ({"stake_coins": 5_001}, "stake_coins"),
        ({"start_date": date(2026, 12, 1)}, "start_date"),
        ({"end_date": date(2026, 11, 30)}, "end_date"),
        ({"end_date": date(2027, 6, 1)}, "end_date"),
        ({"max_participants": 1}, "max_participants"),
    ],
)
def test_bad_challenge_details_name_the_field(trio, changes, field):
    ann, _, _ = trio
    values = {
        "name": "Fine",
        "goal_type": "most_steps",
        "start_date": START,
        "end_date": END,
        **changes,
    }
    with pytest.raises(ValidationFailed) as refused:
        challenges.create_challenge(ann.id, now=NOW, **values)
    assert refused.value.details == [{"field": field}]
