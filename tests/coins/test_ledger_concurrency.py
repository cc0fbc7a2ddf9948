"""Jepsen-style: many threads move coins for the same few members at once.

Every movement a thread saw commit must be in the books, nothing else may be, and no
balance may go negative. On PostgreSQL the wallet row lock serialises writers; on SQLite
BEGIN IMMEDIATE and the busy timeout make writers wait instead of failing "locked".
"""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from datetime import date, timedelta

from flask import Flask
from sqlalchemy import func, select

from app.coins import ledger
from app.core.db import transaction
from app.core.errors import InsufficientCoins, InsufficientFrozenCoins
from app.extensions import db
from app.models.wallet import CoinTransaction, Wallet

THREADS = 16
OPERATIONS_PER_THREAD = 40
DAY = date(2026, 11, 1)


def run_threads(app: Flask, work, count: int = THREADS) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def runner(index: int) -> None:
        try:
            with app.app_context():
                start.wait()
                work(index)
                db.session.remove()
        except BaseException as exc:  # collected and re-raised by the test
            errors.append(exc)

    # The test's own session must not sit on SQLite's write lock while the threads run.
    db.session.rollback()
    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return errors


def test_concurrent_random_movements_create_and_lose_no_coin(app, make_member):
    members = [make_member().id for _ in range(3)]
    lock = threading.Lock()
    # What each member's wallet must hold, from movements that threads saw commit.
    expected_available: dict[int, int] = defaultdict(int)
    expected_frozen: dict[int, int] = defaultdict(int)
    achievement_wins: dict[tuple[int, str], int] = {}

    def acknowledge(user_id: int, available: int, frozen: int) -> None:
        with lock:
            expected_available[user_id] += available
            expected_frozen[user_id] += frozen

    def work(index: int) -> None:
        rng = random.Random(index)
        open_orders: list[tuple[int, int, int]] = []
        shipped: list[tuple[int, int, int]] = []
        for step in range(OPERATIONS_PER_THREAD):
            user_id = rng.choice(members)
            action = rng.choice(["earn", "earn", "achieve", "freeze", "settle", "adjust"])
            try:
                with transaction():
                    if action == "earn":
                        # A private day per thread and step: each award is a fresh one.
                        day = DAY + timedelta(days=index * 1000 + step)
                        coins = rng.randint(1, 200)
                        ledger.award_step_coins(user_id, day, coins)
                        acknowledge(user_id, coins, 0)
                    elif action == "achieve":
                        # Threads race for the same few achievements: one award each.
                        code = rng.choice(["a", "b"])
                        row = ledger.award_achievement(user_id, code, 50)
                        with lock:
                            if (user_id, code) not in achievement_wins:
                                achievement_wins[(user_id, code)] = row.id
                                expected_available[user_id] += 50
                            assert achievement_wins[(user_id, code)] == row.id
                    elif action == "freeze":
                        order_id = index * 100_000 + step
                        coins = rng.randint(1, 150)
                        ledger.freeze_for_order(user_id, order_id, f"FK-T-{order_id}", coins)
                        acknowledge(user_id, -coins, coins)
                        open_orders.append((user_id, order_id, coins))
                    elif action == "settle" and open_orders:
                        owner, order_id, coins = open_orders.pop(rng.randrange(len(open_orders)))
                        if rng.random() < 0.5:
                            ledger.release_for_order(owner, order_id, "FK-T", coins)
                            acknowledge(owner, coins, -coins)
                        else:
                            ledger.spend_for_order(owner, order_id, "FK-T", coins)
                            acknowledge(owner, 0, -coins)
                            shipped.append((owner, order_id, coins))
                    elif action == "adjust":
                        amount = rng.choice([-1, 1]) * rng.randint(1, 120)
                        ledger.adjust_by_admin(user_id, amount, "chaos", admin_id=user_id)
                        acknowledge(user_id, amount, 0)
                    elif shipped:
                        owner, order_id, coins = shipped.pop()
                        ledger.refund_order(owner, order_id, "FK-T", coins)
                        acknowledge(owner, coins, 0)
            except (InsufficientCoins, InsufficientFrozenCoins):
                continue  # refused and rolled back: no effect expected

    errors = run_threads(app, work)
    assert errors == []

    db.session.expire_all()
    for user_id in members:
        wallet = db.session.execute(select(Wallet).where(Wallet.user_id == user_id)).scalar_one()
        totals = ledger.ledger_totals(user_id)
        assert wallet.available_coins == totals.available == expected_available[user_id]
        assert wallet.frozen_coins == totals.frozen == expected_frozen[user_id]
        assert wallet.lifetime_earned == totals.earned
        assert wallet.lifetime_spent == totals.spent
        assert wallet.available_coins >= 0 and wallet.frozen_coins >= 0
    # Every ledger row's balances-after chain is consistent per member.
    for user_id in members:
        rows = db.session.execute(
            select(CoinTransaction)
            .where(CoinTransaction.user_id == user_id)
            .order_by(CoinTransaction.id)
        ).scalars()
        available = frozen = 0
        for row in rows:
            available += row.amount
            frozen += row.frozen_change
            assert (row.available_after, row.frozen_after) == (available, frozen)


def test_concurrent_awards_for_one_day_pay_exactly_the_largest_total(app, member):
    user_id = member.id
    targets = [random.Random(i).randint(1, 200) for i in range(THREADS)]

    def work(index: int) -> None:
        with transaction():
            ledger.award_step_coins(user_id, DAY, targets[index])

    assert run_threads(app, work) == []
    db.session.expire_all()
    assert ledger.step_coins_awarded(user_id, DAY) == max(targets)
    wallet = db.session.execute(select(Wallet).where(Wallet.user_id == user_id)).scalar_one()
    assert wallet.available_coins == max(targets)


def test_concurrent_freezes_never_overspend(app, member):
    user_id = member.id
    with transaction():
        ledger.award_step_coins(user_id, DAY, 1000)
    outcomes: list[bool] = []

    def work(index: int) -> None:
        try:
            with transaction():
                ledger.freeze_for_order(user_id, 500 + index, "FK-T", 150)
            outcomes.append(True)
        except InsufficientCoins:
            outcomes.append(False)

    assert run_threads(app, work) == []
    assert outcomes.count(True) == 1000 // 150
    db.session.expire_all()
    wallet = db.session.execute(select(Wallet).where(Wallet.user_id == user_id)).scalar_one()
    assert (wallet.available_coins, wallet.frozen_coins) == (1000 - 6 * 150, 6 * 150)
    freezes = db.session.execute(
        select(func.count()).where(CoinTransaction.transaction_type == "order_freeze")
    ).scalar_one()
    assert freezes == 6
