"""Wishlists and the saving goal: rewards a member keeps an eye on, and the one they walk
toward.

The member hears about it (in-app, in the transaction of the change) when the goal becomes
affordable — once per crossing: the flag is cleared when the balance falls below the price
again — and when a wished reward comes back in stock or its coin price changes. The ledger
reports every balance change (`balance_changed`); the catalogue's writers (admin edits and
imports, the Shopify sync, cancelled orders restocking) report stock and price changes
(`product_changed`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from app.backoffice import events
from app.catalog import browse
from app.coins import ledger
from app.core.db import rows_affected, transaction
from app.core.errors import NotFound, ValidationFailed
from app.core.notifications import notify
from app.extensions import db
from app.models.base import utcnow
from app.models.catalog import RewardProduct
from app.models.shop import SavingGoal, WishlistItem
from app.models.wallet import CoinTransaction, Wallet

MAX_ITEMS = 100
EARNING_WINDOW_DAYS = 14


@dataclass(frozen=True)
class WishedReward:
    product: RewardProduct
    added_at: datetime
    is_goal: bool


@dataclass(frozen=True)
class GoalProgress:
    product: RewardProduct
    available: int
    daily_average: float  # coins earned a day, over the last EARNING_WINDOW_DAYS

    @property
    def to_go(self) -> int:
        return max(0, self.product.coin_price - self.available)

    @property
    def affordable(self) -> bool:
        return self.to_go == 0

    @property
    def days_left(self) -> int | None:
        """About how many days of recent earning it takes (None: nothing earned lately)."""
        if self.affordable:
            return 0
        if self.daily_average <= 0:
            return None
        return math.ceil(self.to_go / self.daily_average)


# --- the wishlist --------------------------------------------------------------------------


def items(user_id: int) -> list[WishedReward]:
    """The member's wished rewards, newest first (inactive ones too: shown as gone)."""
    goal_id = _goal_product_id(user_id)
    rows = db.session.execute(
        select(WishlistItem, RewardProduct)
        .join(RewardProduct, RewardProduct.id == WishlistItem.product_id)
        .where(WishlistItem.user_id == user_id)
        .order_by(WishlistItem.created_at.desc(), WishlistItem.id.desc())
    ).all()
    return [WishedReward(product, item.created_at, product.id == goal_id) for item, product in rows]


def wished_product_ids(user_id: int) -> set[int]:
    return set(
        db.session.execute(
            select(WishlistItem.product_id).where(WishlistItem.user_id == user_id)
        ).scalars()
    )


def _add(user_id: int, product_id: int) -> bool:
    """Put an active product on the wishlist inside the caller's transaction. True if new."""
    browse.active_product(product_id)
    exists = db.session.execute(
        select(WishlistItem.id).where(
            WishlistItem.user_id == user_id, WishlistItem.product_id == product_id
        )
    ).scalar_one_or_none()
    if exists is not None:
        return False
    count = db.session.execute(
        select(func.count()).select_from(WishlistItem).where(WishlistItem.user_id == user_id)
    ).scalar_one()
    if count >= MAX_ITEMS:
        raise ValidationFailed(
            f"Your wishlist holds at most {MAX_ITEMS} rewards; remove one first.",
            details=[{"field": "product_id"}],
        )
    db.session.add(WishlistItem(user_id=user_id, product_id=product_id))
    db.session.flush()
    return True


def add(user_id: int, product_id: int) -> bool:
    """Wish for a reward. True if it was added, False if it was already on the list."""
    with transaction():
        _lock_member(user_id)
        return _add(user_id, product_id)


def remove(user_id: int, product_id: int) -> None:
    """Take a reward off the wishlist (and drop it as the goal if it was one)."""
    with transaction():
        _lock_member(user_id)
        removed = rows_affected(
            delete(WishlistItem).where(
                WishlistItem.user_id == user_id, WishlistItem.product_id == product_id
            )
        )
        if not removed:
            raise NotFound("That reward is not on your wishlist.")
        db.session.execute(
            delete(SavingGoal).where(
                SavingGoal.user_id == user_id, SavingGoal.product_id == product_id
            )
        )


def _lock_member(user_id: int) -> None:
    """Wishlist changes of one member run one at a time (the size limit, the one goal)."""
    ledger.lock_wallet(user_id)


# --- the saving goal -----------------------------------------------------------------------


def _goal_product_id(user_id: int) -> int | None:
    return db.session.execute(
        select(SavingGoal.product_id).where(SavingGoal.user_id == user_id)
    ).scalar_one_or_none()


def set_goal(user_id: int, product_id: int, *, now: datetime | None = None) -> GoalProgress | None:
    """Save toward this reward (it joins the wishlist if it was not on it)."""
    when = now or utcnow()
    with transaction():
        wallet = ledger.lock_wallet(user_id)
        _add(user_id, product_id)
        product = browse.active_product(product_id)
        goal = db.session.get(SavingGoal, user_id)
        if goal is None:
            goal = SavingGoal(user_id=user_id, product_id=product_id)
            db.session.add(goal)
        elif goal.product_id == product_id:
            return progress(user_id, now=when)
        goal.product_id = product_id
        # Already affordable when chosen: the member can see that; no notice needed.
        goal.affordable_notified_at = when if wallet.available_coins >= product.coin_price else None
        db.session.flush()
        events.record(events.GOAL_SET, user_id, {"product_id": product_id})
    return progress(user_id, now=when)


def clear_goal(user_id: int) -> None:
    with transaction():
        removed = rows_affected(delete(SavingGoal).where(SavingGoal.user_id == user_id))
        if not removed:
            raise NotFound("You have no saving goal.")


def daily_average_earned(user_id: int, *, now: datetime | None = None) -> float:
    """Coins earned a day over the last EARNING_WINDOW_DAYS days, from the ledger."""
    since = (now or utcnow()) - timedelta(days=EARNING_WINDOW_DAYS)
    earned = db.session.execute(
        select(func.coalesce(func.sum(CoinTransaction.amount), 0)).where(
            CoinTransaction.user_id == user_id,
            CoinTransaction.transaction_type.in_(ledger.EARNING_TYPES),
            CoinTransaction.amount > 0,
            CoinTransaction.created_at >= since,
        )
    ).scalar_one()
    return int(earned) / EARNING_WINDOW_DAYS


def progress(user_id: int, *, now: datetime | None = None) -> GoalProgress | None:
    """Coins to go toward the goal and about how long it takes; None without a goal."""
    row = db.session.execute(
        select(RewardProduct, Wallet.available_coins)
        .join(SavingGoal, SavingGoal.product_id == RewardProduct.id)
        .join(Wallet, Wallet.user_id == SavingGoal.user_id)
        .where(SavingGoal.user_id == user_id)
    ).one_or_none()
    if row is None:
        return None
    product, available = row
    return GoalProgress(product, int(available), daily_average_earned(user_id, now=now))


# --- what changes the answers ------------------------------------------------------------


def _check_goal(goal: SavingGoal, price: int, active: bool, available: int) -> None:
    affordable = active and available >= price
    if affordable and goal.affordable_notified_at is None:
        goal.affordable_notified_at = utcnow()
        notify(
            goal.user_id,
            "goal",
            "Your goal is within reach",
            f"You have enough coins for your saving goal ({price:,} coins). Redeem it now.",
            link=f"/rewards/{goal.product_id}",
        )
    elif not affordable and goal.affordable_notified_at is not None:
        goal.affordable_notified_at = None


def balance_changed(user_id: int, available: int) -> None:
    """Called by the ledger, under the wallet lock, whenever available coins change."""
    with db.session.no_autoflush:
        row = db.session.execute(
            select(SavingGoal, RewardProduct.coin_price, RewardProduct.is_active)
            .join(RewardProduct, RewardProduct.id == SavingGoal.product_id)
            .where(SavingGoal.user_id == user_id)
        ).one_or_none()
    if row is not None:
        _check_goal(row[0], row[1], row[2], available)


def product_changed(product: RewardProduct, *, stock_before: int, price_before: int) -> None:
    """Tell the members who wish for it that it is back in stock or costs something else.

    Runs in the transaction of the change, after the new values are set on `product`.
    """
    back_in_stock = stock_before <= 0 < product.stock_quantity and product.is_active
    repriced = price_before != product.coin_price and product.is_active
    if not (back_in_stock or repriced):
        return
    wishers = db.session.execute(
        select(WishlistItem.user_id)
        .where(WishlistItem.product_id == product.id)
        .order_by(WishlistItem.user_id)
    ).scalars()
    link = f"/rewards/{product.id}"
    for user_id in wishers:
        if back_in_stock:
            notify(
                user_id,
                "wishlist",
                f"“{product.title}” is back in stock",
                "A reward on your wishlist can be redeemed again.",
                link=link,
            )
        if repriced:
            direction = "down" if product.coin_price < price_before else "up"
            notify(
                user_id,
                "wishlist",
                f"“{product.title}” now costs {product.coin_price:,} coins",
                f"The price went {direction} from {price_before:,} coins.",
                link=link,
            )
    if repriced:
        goals = db.session.execute(
            select(SavingGoal, Wallet.available_coins)
            .join(Wallet, Wallet.user_id == SavingGoal.user_id)
            .where(SavingGoal.product_id == product.id)
        ).all()
        for goal, available in goals:
            _check_goal(goal, product.coin_price, product.is_active, int(available))


def restocked(product_id: int, *, stock_before: int) -> None:
    """A cancelled order put units back (a raw UPDATE): tell wishers if it was sold out."""
    product = db.session.get(RewardProduct, product_id, populate_existing=True)
    if product is not None:
        product_changed(product, stock_before=stock_before, price_before=product.coin_price)


# --- admin -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Demand:
    wishers: int
    goals: int


def demand(product_id: int) -> Demand:
    """How many members wish for a product, and how many save toward it."""
    wishers = db.session.execute(
        select(func.count()).select_from(WishlistItem).where(WishlistItem.product_id == product_id)
    ).scalar_one()
    goals = db.session.execute(
        select(func.count()).select_from(SavingGoal).where(SavingGoal.product_id == product_id)
    ).scalar_one()
    return Demand(int(wishers), int(goals))
