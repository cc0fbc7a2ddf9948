"""Random sequences of ledger movements keep wallet == Σ ledger and both buckets >= 0."""

from __future__ import annotations

import itertools
import uuid
from datetime import date, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from app.accounts import accounts
from app.accounts.passwords import hash_password
from app.coins import ledger
from app.core.db import transaction
from app.core.errors import InsufficientCoins
from app.extensions import db
from app.models.wallet import Wallet

FIRST_DAY = date(2026, 1, 1)
# Order ids must never repeat across examples: the database outlives each one.
_order_ids = itertools.count(1)


class LedgerMachine(RuleBasedStateMachine):
    """A model of each wallet in plain Python, checked against the database after every step."""

    frozen_orders = Bundle("frozen_orders")
    shipped_orders = Bundle("shipped_orders")

    def __init__(self) -> None:
        super().__init__()
        password_hash = hash_password("unused-password", rounds=4)
        self.members: list[int] = []
        for _ in range(3):
            user = accounts.create_user(
                f"{uuid.uuid4().hex}@example.com", "", "Prop Test", password_hash=password_hash
            )
            self.members.append(user.id)
        db.session.commit()
        self.available = dict.fromkeys(self.members, 0)
        self.frozen = dict.fromkeys(self.members, 0)
        self.day_coins: dict[tuple[int, int], int] = {}
        self.achievements: dict[tuple[int, str], int] = {}

    def _member(self, index: int) -> int:
        return self.members[index % len(self.members)]

    @rule(who=st.integers(0, 2), day=st.integers(0, 5), coins=st.integers(0, 400))
    def sync_steps(self, who: int, day: int, coins: int) -> None:
        user_id = self._member(who)
        with transaction():
            ledger.award_step_coins(user_id, FIRST_DAY + timedelta(days=day), coins)
        already = self.day_coins.get((user_id, day), 0)
        if coins > already:
            self.available[user_id] += coins - already
            self.day_coins[(user_id, day)] = coins

    @rule(who=st.integers(0, 2), code=st.sampled_from(["a", "b", "c"]), coins=st.integers(1, 99))
    def unlock_achievement(self, who: int, code: str, coins: int) -> None:
        user_id = self._member(who)
        with transaction():
            row = ledger.award_achievement(user_id, code, coins)
        assert row is not None
        # Once per member and code: only the first award moves coins.
        if (user_id, code) not in self.achievements:
            self.achievements[(user_id, code)] = coins
            self.available[user_id] += coins
        assert row.amount == self.achievements[(user_id, code)]

    @rule(target=frozen_orders, who=st.integers(0, 2), coins=st.integers(1, 600))
    def checkout(self, who: int, coins: int):
        user_id = self._member(who)
        order_id = next(_order_ids)
        try:
            with transaction():
                ledger.freeze_for_order(user_id, order_id, f"FK-2026-{order_id:06d}", coins)
        except InsufficientCoins:
            assert self.available[user_id] < coins
            return (user_id, None, coins)
        assert self.available[user_id] >= coins
        self.available[user_id] -= coins
        self.frozen[user_id] += coins
        return (user_id, order_id, coins)

    @rule(order=consumes(frozen_orders))
    def cancel(self, order) -> None:
        user_id, order_id, coins = order
        if order_id is None:
            return
        with transaction():
            ledger.release_for_order(user_id, order_id, f"FK-2026-{order_id:06d}", coins)
        self.available[user_id] += coins
        self.frozen[user_id] -= coins

    @rule(target=shipped_orders, order=consumes(frozen_orders))
    def ship(self, order):
        user_id, order_id, coins = order
        if order_id is not None:
            with transaction():
                ledger.spend_for_order(user_id, order_id, f"FK-2026-{order_id:06d}", coins)
            self.frozen[user_id] -= coins
        return order

    @rule(order=consumes(shipped_orders))
    def refund(self, order) -> None:
        user_id, order_id, coins = order
        if order_id is None:
            return
        with transaction():
            ledger.refund_order(user_id, order_id, f"FK-2026-{order_id:06d}", coins)
        self.available[user_id] += coins

    @rule(who=st.integers(0, 2), amount=st.integers(-300, 300).filter(bool))
    def adjust(self, who: int, amount: int) -> None:
        user_id = self._member(who)
        try:
            with transaction():
                ledger.adjust_by_admin(user_id, amount, "property test", admin_id=user_id)
        except InsufficientCoins:
            assert self.available[user_id] + amount < 0
            return
        self.available[user_id] += amount

    @invariant()
    def wallets_match_the_ledger_and_the_model(self) -> None:
        db.session.expire_all()
        for user_id in self.members:
            wallet = db.session.execute(
                select(Wallet).where(Wallet.user_id == user_id)
            ).scalar_one()
            totals = ledger.ledger_totals(user_id)
            assert wallet.available_coins == totals.available == self.available[user_id]
            assert wallet.frozen_coins == totals.frozen == self.frozen[user_id]
            assert wallet.lifetime_earned == totals.earned
            assert wallet.lifetime_spent == totals.spent
            assert wallet.available_coins >= 0
            assert wallet.frozen_coins >= 0
        db.session.rollback()


def test_random_movements_keep_the_books_balanced(app):
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
