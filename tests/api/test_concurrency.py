"""Concurrent phones (SPEC §2: no coin created or lost by retries or concurrency).

Each thread has its own test client, so requests really overlap in the database.
On SQLite they serialise on the write lock; on PostgreSQL on the wallet row lock.
"""

from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import func, select

from app.coins import ledger
from app.core.db import transaction
from app.extensions import db
from app.models.catalog import RewardProduct
from app.models.orders import Order
from app.models.steps import StepRecord
from app.models.wallet import CoinTransaction, Wallet
from tests.api.conftest import record
from tests.fixtures.sign_in import Phone

THREADS = 16


def in_parallel(app, request) -> list:
    """Run request(client, index) on THREADS threads at once; return their answers."""
    answers: list = [None] * THREADS
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def run(index: int) -> None:
        try:
            client = app.test_client()
            barrier.wait()
            answers[index] = request(client, index)
        except BaseException as exc:
            errors.append(exc)

    db.session.rollback()  # release SQLite's write lock held by the test's own session
    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    return answers


def test_concurrent_syncs_of_one_day_award_exactly_the_coins_of_the_largest(app, member):
    phone = Phone(app.test_client(), member.email)
    counts = [4_000 + 500 * i for i in range(THREADS)]

    def sync(client, index):
        return client.post(
            "/api/v1/steps/sync",
            json={"records": [record(steps=counts[index])]},
            headers=phone.headers,
        )

    answers = in_parallel(app, sync)
    assert all(a.status_code == 200 for a in answers), [a.get_json() for a in answers]
    db.session.expire_all()
    today_total = db.session.execute(
        select(func.sum(CoinTransaction.amount)).where(
            CoinTransaction.user_id == member.id,
            CoinTransaction.transaction_type == "step_reward",
        )
    ).scalar_one()
    assert today_total == max(counts) // 100
    assert sum(a.get_json()["results"][0]["coins_awarded"] for a in answers) == max(counts) // 100
    assert db.session.execute(select(func.count()).select_from(StepRecord)).scalar_one() == 1


def test_concurrent_checkouts_never_overspend_or_oversell(app, make_member, make_product):
    product = make_product(coin_price=100, stock_quantity=10)
    buyers = [make_member() for _ in range(4)]
    for buyer in buyers:
        with transaction():
            ledger.award_step_coins(buyer.id, date(2026, 1, 1), 450)  # 4 orders' worth each
    phones = [Phone(app.test_client(), b.email) for b in buyers]
    body = {
        "items": [{"product_id": product.id}],
        "shipping_address": {"line1": "a", "city": "b", "country": "DE"},
    }

    def checkout(client, index):
        return client.post("/api/v1/orders", json=body, headers=phones[index % 4].headers)

    answers = in_parallel(app, checkout)
    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {201, 409}
    placed = statuses.count(201)
    assert placed == 10  # 16 tries, 16 coins-worth, but only 10 in stock
    db.session.expire_all()
    assert db.session.get(RewardProduct, product.id).stock_quantity == 0
    assert db.session.execute(select(func.count()).select_from(Order)).scalar_one() == 10
    for buyer in buyers:
        wallet = db.session.execute(select(Wallet).where(Wallet.user_id == buyer.id)).scalar_one()
        totals = ledger.ledger_totals(buyer.id)
        assert (wallet.available_coins, wallet.frozen_coins) == (totals.available, totals.frozen)
        assert wallet.available_coins >= 0
        assert wallet.available_coins + wallet.frozen_coins == 450


def test_concurrent_requests_with_one_idempotency_key_do_the_work_once(app, member, make_product):
    product = make_product(coin_price=100, stock_quantity=50)
    with transaction():
        ledger.award_step_coins(member.id, date(2026, 1, 1), 5_000)
    phone = Phone(app.test_client(), member.email)
    body = {
        "items": [{"product_id": product.id}],
        "shipping_address": {"line1": "a", "city": "b", "country": "DE"},
    }

    def checkout(client, index):
        return client.post(
            "/api/v1/orders", json=body, headers={**phone.headers, "Idempotency-Key": "same"}
        )

    answers = in_parallel(app, checkout)
    assert {a.status_code for a in answers} <= {201, 409}
    codes = {a.get_json()["order_code"] for a in answers if a.status_code == 201}
    assert len(codes) == 1
    db.session.expire_all()
    assert db.session.execute(select(func.count()).select_from(Order)).scalar_one() == 1
    assert db.session.get(RewardProduct, product.id).stock_quantity == 49
