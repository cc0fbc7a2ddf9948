"""The coin ledger (SPEC §2): the only writer of `wallets` and `coin_transactions`.

Every function here runs inside the caller's transaction: it locks the member's wallet
row, appends one ledger row and changes the wallet by exactly that row's amounts. The
caller commits (or rolls back) both together. A movement that must happen at most once
carries a `ledger_key`; posting it again returns the first row and moves nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, insert, select

from app.coins import ledger_chain
from app.core.errors import (
    InsufficientCoins,
    InsufficientFrozenCoins,
    NotFound,
    ValidationFailed,
)
from app.core.live_events import publish
from app.extensions import db
from app.models.base import utcnow
from app.models.wallet import CoinTransaction, Wallet

EARNING_TYPES = ("step_reward", "achievement_reward", "referral_bonus", "promo_credit")


@dataclass(frozen=True)
class LedgerTotals:
    available: int
    frozen: int
    earned: int
    spent: int


def open_wallet(user_id: int) -> Wallet:
    """Create the member's empty wallet (once, at registration)."""
    wallet = Wallet(user_id=user_id)
    db.session.add(wallet)
    db.session.flush()
    return wallet


def lock_wallet(user_id: int) -> Wallet:
    """The member's wallet, locked for this transaction and read fresh from the database.

    PostgreSQL: SELECT … FOR UPDATE. SQLite: every transaction already holds the write
    lock (BEGIN IMMEDIATE, see app/database.py).
    """
    wallet = db.session.execute(
        select(Wallet)
        .where(Wallet.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if wallet is None:
        raise NotFound(f"Member {user_id} has no wallet.")
    return wallet


def _chain_heads(user_ids: list[int]) -> dict[int, str]:
    """Each member's newest ledger row hash (members without rows are left out).

    Read under the members' wallet locks, so no other writer can append in between.
    """
    if not user_ids:
        return {}
    newest = (
        select(func.max(CoinTransaction.id))
        .where(CoinTransaction.user_id.in_(user_ids))
        .group_by(CoinTransaction.user_id)
    )
    rows = db.session.execute(
        select(CoinTransaction.user_id, CoinTransaction.row_hash).where(
            CoinTransaction.id.in_(newest)
        )
    )
    return {user_id: head or ledger_chain.GENESIS_HASH for user_id, head in rows}


def _chain_head(user_id: int) -> str:
    head = db.session.execute(
        select(CoinTransaction.row_hash)
        .where(CoinTransaction.user_id == user_id)
        .order_by(CoinTransaction.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return head or ledger_chain.GENESIS_HASH


def _chained(content: dict, prev_hash: str) -> dict:
    """The row's content with its place in the member's hash chain."""
    return {
        **content,
        "prev_hash": prev_hash,
        "row_hash": ledger_chain.row_hash(content, prev_hash),
    }


def _existing(ledger_key: str) -> CoinTransaction | None:
    return db.session.execute(
        select(CoinTransaction).where(CoinTransaction.ledger_key == ledger_key)
    ).scalar_one_or_none()


def _post(
    user_id: int,
    *,
    transaction_type: str,
    amount: int,
    frozen_change: int,
    description: str,
    reference_type: str | None = None,
    reference_id: str | None = None,
    ledger_key: str | None = None,
    earned: int = 0,
    spent: int = 0,
    created_by_id: int | None = None,
    now: datetime | None = None,
) -> CoinTransaction:
    wallet = lock_wallet(user_id)
    if ledger_key is not None and (first := _existing(ledger_key)) is not None:
        return first
    new_available = wallet.available_coins + amount
    new_frozen = wallet.frozen_coins + frozen_change
    if new_available < 0:
        raise InsufficientCoins(needed=-amount, available=wallet.available_coins)
    if new_frozen < 0:
        raise InsufficientFrozenCoins(needed=-frozen_change, frozen=wallet.frozen_coins)
    content = {
        "user_id": user_id,
        "transaction_type": transaction_type,
        "amount": amount,
        "frozen_change": frozen_change,
        "available_after": new_available,
        "frozen_after": new_frozen,
        "reference_type": reference_type,
        "reference_id": reference_id,
        "ledger_key": ledger_key,
        "description": description,
        "created_by_id": created_by_id,
        "created_at": now or utcnow(),
    }
    row = CoinTransaction(wallet_id=wallet.id, **_chained(content, _chain_head(user_id)))
    wallet.available_coins = new_available
    wallet.frozen_coins = new_frozen
    wallet.lifetime_earned += earned
    wallet.lifetime_spent += spent
    db.session.add(row)
    db.session.flush()
    _wallet_changed(wallet)
    return row


def _wallet_changed(wallet: Wallet) -> None:
    """Open pages and phones update the coin count once this transaction commits; a saving
    goal that became affordable (or no longer is) is noted in the same transaction."""
    from app.catalog import wishlist  # late: the wishlist reads the ledger

    wishlist.balance_changed(wallet.user_id, wallet.available_coins)
    publish(
        wallet.user_id,
        "wallet",
        {"available": wallet.available_coins, "frozen": wallet.frozen_coins},
    )


def _positive(value: int, what: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValidationFailed(f"{what} must be a positive whole number of coins.")


# --- earning -----------------------------------------------------------------------------


def step_coins_awarded(user_id: int, day: date) -> int:
    """Coins a day's steps have earned so far."""
    total = db.session.execute(
        select(func.coalesce(func.sum(CoinTransaction.amount), 0)).where(
            CoinTransaction.user_id == user_id,
            CoinTransaction.transaction_type == "step_reward",
            CoinTransaction.reference_type == "step_day",
            CoinTransaction.reference_id == day.isoformat(),
        )
    ).scalar_one()
    return int(total)


def award_step_coins(
    user_id: int, day: date, day_total_coins: int, *, now: datetime | None = None
) -> CoinTransaction | None:
    """Raise the day's step coins to `day_total_coins`: award only the difference.

    Never claws back: a lower total awards nothing. Returns the new row, or None.
    """
    if day_total_coins < 0:
        raise ValidationFailed("A day's coin total cannot be negative.")
    lock_wallet(user_id)
    difference = day_total_coins - step_coins_awarded(user_id, day)
    if difference <= 0:
        return None
    return _post(
        user_id,
        transaction_type="step_reward",
        amount=difference,
        frozen_change=0,
        earned=difference,
        description=f"Steps on {day.isoformat()}",
        reference_type="step_day",
        reference_id=day.isoformat(),
        # One row per (day, running total): a replayed award collides here.
        ledger_key=_step_key(user_id, day, day_total_coins),
        now=now,
    )


def _step_key(user_id: int, day: date, day_total_coins: int) -> str:
    return f"steps:{user_id}:{day.isoformat()}:{day_total_coins}"


def post_step_rewards(
    user_id: int,
    day_totals: Mapping[date, int],
    *,
    now: datetime | None = None,
    booked_at: Mapping[date, datetime] | None = None,
    locked: Wallet | None = None,
) -> dict[date, int]:
    """`award_step_coins` for many days of one member under one wallet lock.

    Returns the coins awarded per day (days that gained nothing are left out).
    `booked_at` dates individual rows (demo history); rows default to `now`. `locked` is
    the member's wallet as `lock_wallet` returned it earlier in this transaction (sync
    locks it before reading the records it pays for): it is not read again.
    """
    return post_step_rewards_for_members(
        {user_id: day_totals},
        now=now,
        booked_at=booked_at,
        locked={user_id: locked} if locked is not None else None,
    )[user_id]


def _lock_wallets(user_ids: list[int]) -> dict[int, Wallet]:
    """The members' wallets, locked in user-id order (two batches never deadlock); NotFound
    when one has none."""
    wallets = {
        wallet.user_id: wallet
        for wallet in db.session.execute(
            select(Wallet)
            .where(Wallet.user_id.in_(user_ids))
            .order_by(Wallet.user_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalars()
    }
    if missing := set(user_ids) - set(wallets):
        raise NotFound(f"Members {sorted(missing)} have no wallet.")
    return wallets


def post_step_rewards_for_members(
    totals_by_member: Mapping[int, Mapping[date, int]],
    *,
    now: datetime | None = None,
    booked_at: Mapping[date, datetime] | None = None,
    locked: Mapping[int, Wallet] | None = None,
) -> dict[int, dict[date, int]]:
    """Step rewards for many members in one go (batch jobs, demo data): the wallets are
    locked in user-id order (no deadlock between two batches), the rows go in as one insert.
    `locked`: wallets the caller already locked in this transaction.
    """
    for day_totals in totals_by_member.values():
        if any(target < 0 for target in day_totals.values()):
            raise ValidationFailed("A day's coin total cannot be negative.")
    user_ids = sorted(totals_by_member)
    wallets = dict(locked or {})
    if to_lock := [uid for uid in user_ids if uid not in wallets]:
        wallets |= _lock_wallets(to_lock)
    days = {d.isoformat() for totals in totals_by_member.values() for d in totals}
    # Keyed by the ledger rows' reference_id, a nullable column (never null for these rows).
    awarded: dict[tuple[int, str | None], int] = {}
    if days:
        # The members' own rows first (a few per member, by their index): on the days alone,
        # PostgreSQL's generic plan for this prepared statement would also scan the by-day
        # index, which holds every member's rows of those days (40 ms at 10K members).
        theirs = (
            select(CoinTransaction.user_id, CoinTransaction.reference_id, CoinTransaction.amount)
            .where(
                CoinTransaction.user_id.in_(user_ids),
                CoinTransaction.transaction_type == "step_reward",
                CoinTransaction.reference_type == "step_day",
            )
            .cte("step_rewards")
            .prefix_with("MATERIALIZED")
        )
        for uid, day_key, coins in db.session.execute(
            select(theirs.c.user_id, theirs.c.reference_id, func.sum(theirs.c.amount))
            .where(theirs.c.reference_id.in_(days))
            .group_by(theirs.c.user_id, theirs.c.reference_id)
        ):
            awarded[(uid, day_key)] = int(coins)
    when = now or utcnow()
    gained: dict[int, dict[date, int]] = {uid: {} for uid in user_ids}
    credits: dict[int, list[_Credit]] = {}
    for uid in user_ids:
        day_totals = totals_by_member[uid]
        for day in sorted(day_totals):
            difference = day_totals[day] - awarded.get((uid, day.isoformat()), 0)
            if difference <= 0:
                continue
            gained[uid][day] = difference
            credits.setdefault(uid, []).append(
                _Credit(
                    transaction_type="step_reward",
                    amount=difference,
                    description=f"Steps on {day.isoformat()}",
                    reference_type="step_day",
                    reference_id=day.isoformat(),
                    ledger_key=_step_key(uid, day, day_totals[day]),
                    created_at=(booked_at or {}).get(day, when),
                )
            )
    # Only the members who gained something need their chain's head.
    heads = _chain_heads(sorted(credits))
    rows: list[dict] = []
    for uid, member_credits in credits.items():
        rows += _credit_rows(
            wallets[uid], member_credits, heads.get(uid, ledger_chain.GENESIS_HASH)
        )
    _append(rows)
    return gained


@dataclass(frozen=True)
class _Credit:
    transaction_type: str
    amount: int
    description: str
    reference_type: str
    reference_id: str
    ledger_key: str
    created_at: datetime


def _credit_rows(wallet: Wallet, credits: list[_Credit], prev_hash: str) -> list[dict]:
    """Ledger rows for earnings on one locked wallet, chained on from `prev_hash`; the
    wallet moves by exactly them."""
    available = wallet.available_coins
    rows = []
    for credit in credits:
        available += credit.amount
        content = {
            "user_id": wallet.user_id,
            "transaction_type": credit.transaction_type,
            "amount": credit.amount,
            "frozen_change": 0,
            "available_after": available,
            "frozen_after": wallet.frozen_coins,
            "reference_type": credit.reference_type,
            "reference_id": credit.reference_id,
            "ledger_key": credit.ledger_key,
            "description": credit.description,
            "created_by_id": None,
            "created_at": credit.created_at,
        }
        row = {"wallet_id": wallet.id, **_chained(content, prev_hash)}
        prev_hash = row["row_hash"]
        rows.append(row)
    wallet.lifetime_earned += available - wallet.available_coins
    wallet.available_coins = available
    if rows:
        _wallet_changed(wallet)
    return rows


def _append(rows: list[dict]) -> None:
    """One INSERT for many rows (Core: the ORM's per-object bookkeeping costs most of a bulk
    award), then the wallet changes, in the same transaction. Rows go in list order, so each
    member's ids follow their chain."""
    if rows:
        db.session.execute(insert(CoinTransaction.__table__), rows)
        db.session.flush()


def award_achievement(
    user_id: int, achievement_code: str, coins: int, *, now: datetime | None = None
) -> CoinTransaction | None:
    if coins == 0:
        return None
    _positive(coins, "An achievement reward")
    return _post(
        user_id,
        transaction_type="achievement_reward",
        amount=coins,
        frozen_change=0,
        earned=coins,
        description=f"Achievement unlocked: {achievement_code}",
        reference_type="achievement",
        reference_id=achievement_code,
        ledger_key=_achievement_key(user_id, achievement_code),
        now=now,
    )


def award_achievements(
    user_id: int, rewards: Mapping[str, int], *, now: datetime | None = None
) -> dict[str, int]:
    """Pay several achievement rewards under one lock; codes already paid are skipped.

    Returns the coins paid per code.
    """
    wallet = lock_wallet(user_id)
    for coins in rewards.values():
        if coins:
            _positive(coins, "An achievement reward")
    keys = {code: _achievement_key(user_id, code) for code, coins in rewards.items() if coins}
    paid = set(
        db.session.execute(
            select(CoinTransaction.ledger_key).where(
                CoinTransaction.ledger_key.in_(list(keys.values()))
            )
        ).scalars()
    )
    when = now or utcnow()
    credits = [
        _Credit(
            transaction_type="achievement_reward",
            amount=rewards[code],
            description=f"Achievement unlocked: {code}",
            reference_type="achievement",
            reference_id=code,
            ledger_key=key,
            created_at=when,
        )
        for code, key in keys.items()
        if key not in paid
    ]
    _append(_credit_rows(wallet, credits, _chain_head(user_id)))
    return {credit.reference_id: credit.amount for credit in credits}


def award_achievements_to_members(
    rewards: Mapping[int, Mapping[str, int]], *, now: datetime | None = None
) -> dict[int, dict[str, int]]:
    """`award_achievements` for many members at once (the nightly sweep): their wallets
    locked in user order, one read of the keys already paid and of the chain heads, one
    INSERT. Returns the coins paid per member and code."""
    for member_rewards in rewards.values():
        for coins in member_rewards.values():
            if coins:
                _positive(coins, "An achievement reward")
    user_ids = sorted(uid for uid, paying in rewards.items() if any(paying.values()))
    if not user_ids:
        return {}
    wallets = _lock_wallets(user_ids)
    keys = {
        (uid, code): _achievement_key(uid, code)
        for uid in user_ids
        for code, coins in rewards[uid].items()
        if coins
    }
    paid = set(
        db.session.execute(
            select(CoinTransaction.ledger_key).where(
                CoinTransaction.ledger_key.in_(list(keys.values()))
            )
        ).scalars()
    )
    heads = _chain_heads(user_ids)
    when = now or utcnow()
    rows: list[dict] = []
    paid_out: dict[int, dict[str, int]] = {}
    for uid in user_ids:
        credits = [
            _Credit(
                transaction_type="achievement_reward",
                amount=coins,
                description=f"Achievement unlocked: {code}",
                reference_type="achievement",
                reference_id=code,
                ledger_key=keys[(uid, code)],
                created_at=when,
            )
            for code, coins in rewards[uid].items()
            if coins and keys[(uid, code)] not in paid
        ]
        rows += _credit_rows(wallets[uid], credits, heads.get(uid, ledger_chain.GENESIS_HASH))
        paid_out[uid] = {credit.reference_id: credit.amount for credit in credits}
    _append(rows)
    return paid_out


def _achievement_key(user_id: int, code: str) -> str:
    return f"achievement:{user_id}:{code}"


def award_referral_bonus(
    user_id: int, referral_id: int, role: str, coins: int, *, now: datetime | None = None
) -> CoinTransaction | None:
    """Bonus to one side (`referrer` or `referred`) of a referral, exactly once."""
    if role not in ("referrer", "referred"):
        raise ValueError(f"unknown referral role {role!r}")
    if coins == 0:
        return None
    _positive(coins, "A referral bonus")
    return _post(
        user_id,
        transaction_type="referral_bonus",
        amount=coins,
        frozen_change=0,
        earned=coins,
        description="Referral bonus" + (" for inviting a friend" if role == "referrer" else ""),
        reference_type="referral",
        reference_id=str(referral_id),
        ledger_key=f"referral:{referral_id}:{role}",
        now=now,
    )


def credit_promo_code(
    user_id: int, redemption_id: int, code: str, coins: int, *, now: datetime | None = None
) -> CoinTransaction:
    """Coins granted by a promo code; the code is the row's reference. Once per redemption."""
    _positive(coins, "A promo code grant")
    return _post(
        user_id,
        transaction_type="promo_credit",
        amount=coins,
        frozen_change=0,
        earned=coins,
        description=f"Promo code {code}",
        reference_type="promo_code",
        reference_id=code,
        ledger_key=f"promo:{redemption_id}",
        now=now,
    )


# --- orders: freeze, release, spend, refund ------------------------------------------------


def freeze_for_order(
    user_id: int,
    order_id: int,
    order_code: str,
    coins: int,
    *,
    promo_code: str | None = None,
    now: datetime | None = None,
) -> CoinTransaction:
    """Checkout: move coins from available to frozen (TigerBeetle's pending transfer).
    `coins` is the total after any promo-code discount; the code is named in the history."""
    _positive(coins, "An order total")
    with_code = f" (promo code {promo_code})" if promo_code else ""
    return _post(
        user_id,
        transaction_type="order_freeze",
        amount=-coins,
        frozen_change=coins,
        description=f"Coins held for order {order_code}{with_code}",
        reference_type="order",
        reference_id=str(order_id),
        ledger_key=f"order:{order_id}:freeze",
        now=now,
    )


def release_for_order(
    user_id: int, order_id: int, order_code: str, coins: int, *, now: datetime | None = None
) -> CoinTransaction:
    """Cancel before shipment: frozen coins go back to available."""
    _positive(coins, "An order total")
    return _post(
        user_id,
        transaction_type="order_release",
        amount=coins,
        frozen_change=-coins,
        description=f"Order {order_code} cancelled: coins released",
        reference_type="order",
        reference_id=str(order_id),
        ledger_key=f"order:{order_id}:release",
        now=now,
    )


def spend_for_order(
    user_id: int, order_id: int, order_code: str, coins: int, *, now: datetime | None = None
) -> CoinTransaction:
    """Shipment: the frozen coins are spent for good."""
    _positive(coins, "An order total")
    return _post(
        user_id,
        transaction_type="order_spend",
        amount=0,
        frozen_change=-coins,
        spent=coins,
        description=f"Order {order_code} shipped",
        reference_type="order",
        reference_id=str(order_id),
        ledger_key=f"order:{order_id}:spend",
        now=now,
    )


def refund_order(
    user_id: int, order_id: int, order_code: str, coins: int, *, now: datetime | None = None
) -> CoinTransaction:
    """Refund after shipment: the spent coins come back to available."""
    _positive(coins, "An order total")
    return _post(
        user_id,
        transaction_type="order_refund",
        amount=coins,
        frozen_change=0,
        spent=-coins,
        description=f"Order {order_code} refunded",
        reference_type="order",
        reference_id=str(order_id),
        ledger_key=f"order:{order_id}:refund",
        now=now,
    )


# --- challenges: stake, release, forfeit, payout --------------------------------------------
# Keys name the challenge and the member, so a re-run settlement moves nothing twice. None of
# these change lifetime earned or spent: a stake is the member's own coins until it is lost,
# and a pot is other members' coins changing hands, not new coins.


def _challenge_key(challenge_id: int, user_id: int, movement: str) -> str:
    return f"challenge:{challenge_id}:{movement}:{user_id}"


def stake_for_challenge(
    user_id: int, challenge_id: int, coins: int, *, now: datetime | None = None
) -> CoinTransaction:
    """Joining: the stake moves from available to frozen until the challenge settles."""
    _positive(coins, "A stake")
    return _post(
        user_id,
        transaction_type="challenge_stake",
        amount=-coins,
        frozen_change=coins,
        description=f"Stake held for challenge #{challenge_id}",
        reference_type="challenge",
        reference_id=str(challenge_id),
        ledger_key=_challenge_key(challenge_id, user_id, "stake"),
        now=now,
    )


def release_challenge_stake(
    user_id: int, challenge_id: int, coins: int, reason: str, *, now: datetime | None = None
) -> CoinTransaction:
    """The stake back to available: a win, a cancellation, too few joined, a ban."""
    _positive(coins, "A stake")
    return _post(
        user_id,
        transaction_type="challenge_release",
        amount=coins,
        frozen_change=-coins,
        description=f"Challenge #{challenge_id}: stake returned ({reason})"[:500],
        reference_type="challenge",
        reference_id=str(challenge_id),
        ledger_key=_challenge_key(challenge_id, user_id, "release"),
        now=now,
    )


def forfeit_challenge_stake(
    user_id: int, challenge_id: int, coins: int, *, now: datetime | None = None
) -> CoinTransaction:
    """A losing stake leaves frozen for good (it goes into the winners' pot)."""
    _positive(coins, "A stake")
    return _post(
        user_id,
        transaction_type="challenge_forfeit",
        amount=0,
        frozen_change=-coins,
        description=f"Challenge #{challenge_id}: stake lost",
        reference_type="challenge",
        reference_id=str(challenge_id),
        ledger_key=_challenge_key(challenge_id, user_id, "forfeit"),
        now=now,
    )


def pay_challenge_winner(
    user_id: int, challenge_id: int, coins: int, *, now: datetime | None = None
) -> CoinTransaction:
    """A winner's share of the forfeited stakes, to available."""
    _positive(coins, "A payout")
    return _post(
        user_id,
        transaction_type="challenge_payout",
        amount=coins,
        frozen_change=0,
        description=f"Challenge #{challenge_id}: winnings",
        reference_type="challenge",
        reference_id=str(challenge_id),
        ledger_key=_challenge_key(challenge_id, user_id, "payout"),
        now=now,
    )


# --- admin -------------------------------------------------------------------------------


def adjust_by_admin(
    user_id: int,
    amount: int,
    reason: str,
    *,
    admin_id: int,
    ledger_key: str | None = None,
    now: datetime | None = None,
) -> CoinTransaction:
    """A hand correction (±). The caller writes the audit row in the same transaction."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount == 0:
        raise ValidationFailed("An adjustment must be a non-zero whole number of coins.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("An adjustment needs a reason.")
    return _post(
        user_id,
        transaction_type="admin_adjustment",
        amount=amount,
        frozen_change=0,
        earned=max(amount, 0),
        description=f"Adjustment: {reason}"[:500],
        reference_type="admin",
        reference_id=str(admin_id),
        ledger_key=ledger_key,
        created_by_id=admin_id,
        now=now,
    )


# --- checking the books --------------------------------------------------------------------


def ledger_totals(user_id: int) -> LedgerTotals:
    """What the wallet must say, recomputed from the ledger alone."""
    t = CoinTransaction
    earned_types = (*EARNING_TYPES, "admin_adjustment")
    row = db.session.execute(
        select(
            func.coalesce(func.sum(t.amount), 0),
            func.coalesce(func.sum(t.frozen_change), 0),
            func.coalesce(
                func.sum(
                    case(
                        (t.transaction_type.in_(earned_types) & (t.amount > 0), t.amount),
                        else_=0,
                    )
                ),
                0,
            ),
            func.coalesce(
                func.sum(
                    case(
                        (t.transaction_type == "order_spend", -t.frozen_change),
                        (t.transaction_type == "order_refund", -t.amount),
                        else_=0,
                    )
                ),
                0,
            ),
        ).where(t.user_id == user_id)
    ).one()
    return LedgerTotals(*(int(v) for v in row))
