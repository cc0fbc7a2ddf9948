"""Joins racing for the last place, and joins racing a cancel: the challenge row lock orders
them, so one place goes to one member and no stake is left frozen in a cancelled challenge.
Run with TEST_DATABASE_URL on PostgreSQL (row locks) as well as SQLite (BEGIN IMMEDIATE)."""

from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import func, select

from app.coins import ledger, reconciliation
from app.core.db import transaction
from app.core.errors import Conflict
from app.extensions import db
from app.gamification import challenges, friends
from app.models.groups import ChallengeParticipant
from app.models.wallet import Wallet
from tests.coins.test_ledger_concurrency import run_threads
from tests.gamification.test_challenges import END, NOW, START

RACERS = 6


def friends_with_coins(make_member, count: int) -> list[int]:
    people = [make_member(full_name=f"Racer {n}") for n in range(count + 1)]
    host = people[0]
    for other in people[1:]:
        friends.accept(other.id, friends.invite(host.id, other.referral_code).id)
    with transaction():
        for person in people:
            ledger.award_step_coins(person.id, date(2026, 11, 1), 1_000)
    return [p.id for p in people]


def frozen_total() -> int:
    db.session.expire_all()
    return int(db.session.execute(select(func.sum(Wallet.frozen_coins))).scalar_one())


def test_racing_joins_for_the_last_place_let_exactly_one_in(app, make_member):
    host, *racers = friends_with_coins(make_member, RACERS)
    challenge_id = challenges.create_challenge(
        host,
        name="Last place",
        goal_type="most_steps",
        start_date=START,
        end_date=END,
        stake_coins=100,
        max_participants=2,
        invite_user_ids=racers,
        now=NOW,
    ).id
    results: dict[int, str] = {}
    lock = threading.Lock()

    def work(index: int) -> None:
        try:
            challenges.join(racers[index], challenge_id, now=NOW)
            outcome = "joined"
        except Conflict as exc:
            outcome = exc.message
        with lock:
            results[racers[index]] = outcome

    assert run_threads(app, work, count=RACERS) == []
    assert sorted(results.values()) == ["This challenge is full."] * (RACERS - 1) + ["joined"]
    joined = db.session.execute(
        select(func.count()).where(
            ChallengeParticipant.challenge_id == challenge_id,
            ChallengeParticipant.status == "joined",
        )
    ).scalar_one()
    assert joined == 2
    assert frozen_total() == 200, "the host's stake and the one winner's, nobody else's"
    assert reconciliation.find_wallet_drift().drift == []


def test_a_join_racing_the_cancel_leaves_no_stake_frozen(app, make_member):
    host, *guests = friends_with_coins(make_member, 4)
    rounds = [
        challenges.create_challenge(
            host,
            name=f"Round {n}",
            goal_type="most_steps",
            start_date=START,
            end_date=END,
            stake_coins=50,
            invite_user_ids=[guests[n]],
            now=NOW,
        ).id
        for n in range(len(guests))
    ]
    refused: list[str] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        n, joins = divmod(index, 2)
        try:
            if joins:
                challenges.join(guests[n], rounds[n], now=NOW)
            else:
                challenges.cancel(host, rounds[n], now=NOW)
        except Conflict as exc:
            with lock:
                refused.append(exc.message)

    assert run_threads(app, work, count=2 * len(guests)) == []
    # A join that lost the race is told why; one that won had its stake returned by the cancel.
    assert set(refused) <= {"This challenge is cancelled: joining is closed."}
    assert frozen_total() == 0
    for user_id in (host, *guests):
        assert (
            db.session.execute(
                select(Wallet.available_coins).where(Wallet.user_id == user_id)
            ).scalar_one()
            == 1_000
        )
    assert reconciliation.find_wallet_drift().drift == []
