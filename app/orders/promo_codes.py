"""Promo codes: admins create them; members redeem coin codes on the wallet page and apply
discount codes at checkout.

A coin code grants coins through the ledger (`promo_credit`, the code as reference). A
discount code takes a percentage or a fixed number of coins off an order: the order's
`total_coins` (what is frozen, spent, released or refunded) is the discounted total, so a
cancellation releases exactly what was held. An order always costs at least one coin.

Race safety: a use is claimed with one conditional UPDATE (`times_used < max_uses`), so
concurrent redemptions of the last use let exactly one through. The member's wallet is
locked first, which serialises one member's own attempts for the per-member limit (lock
order everywhere: wallet, then code). A cancelled order does not give its use back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from app.backoffice.audit import record_admin_action
from app.coins import ledger
from app.core.db import rows_affected, transaction
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.notifications import notify
from app.extensions import db
from app.models.base import utcnow
from app.models.orders import Order
from app.models.promotions import PROMO_KINDS, PromoCode, PromoRedemption

CODE_PATTERN = re.compile(r"^[A-Z0-9]+(?:[-_][A-Z0-9]+)*$")
CODE_MIN, CODE_MAX = 3, 32
MAX_VALUE = 1_000_000
MAX_LIMIT = 1_000_000
KIND_LABELS = {
    "coins": "Coins for the wallet",
    "percent": "Percentage off an order",
    "fixed": "Coins off an order",
}


class PromoCodeRejected(ValidationFailed):
    """A code that cannot be used here and now; `reason` says which rule it broke."""

    def __init__(self, reason: str, message: str, *, field: str = "promo_code") -> None:
        super().__init__(message, details=[{"field": field, "reason": reason, "message": message}])
        self.code = f"promo_code_{reason}"
        self.reason = reason


@dataclass(frozen=True)
class PromoCodeRow:
    promo: PromoCode
    redemptions: int
    coins: int  # granted (coin codes) or taken off orders (discount codes)


def normalise(code: str | None) -> str:
    return (code or "").strip().upper()


def describe(promo: PromoCode) -> str:
    """What the code gives, in words: "250 coins", "10% off", "100 coins off"."""
    if promo.kind == "coins":
        return f"{promo.value:,} coins"
    if promo.kind == "percent":
        return f"{promo.value}% off"
    return f"{promo.value:,} coins off"


def last_valid_day(promo: PromoCode) -> date | None:
    """The last UTC day the code works (its end is exclusive)."""
    return None if promo.ends_at is None else (promo.ends_at - timedelta(microseconds=1)).date()


# --- admin ---------------------------------------------------------------------------------


def _whole(values: dict[str, Any], name: str, problems: list, *, minimum: int) -> int | None:
    value = values.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        problems.append({"field": name, "message": "Enter a whole number."})
        return None
    if value < minimum or value > MAX_LIMIT:
        problems.append(
            {"field": name, "message": f"Enter a whole number from {minimum} to {MAX_LIMIT:,}."}
        )
        return None
    return value


def create_code(values: dict[str, Any], *, admin_id: int) -> PromoCode:
    """A new code from the admin form's values; ValidationFailed names each bad field."""
    problems: list[dict[str, str]] = []
    code = normalise(values.get("code"))
    if not (CODE_MIN <= len(code) <= CODE_MAX) or not CODE_PATTERN.match(code):
        problems.append(
            {
                "field": "code",
                "message": f"{CODE_MIN} to {CODE_MAX} letters and digits, joined by - or _ "
                "(e.g. SPRING-25).",
            }
        )
    kind = values.get("kind")
    if kind not in PROMO_KINDS:
        problems.append({"field": "kind", "message": "Choose what the code does."})
    value = _whole(values, "value", problems, minimum=1)
    if value is None and not any(p["field"] == "value" for p in problems):
        problems.append({"field": "value", "message": "This is required."})
    if kind == "percent" and value is not None and value >= 100:
        problems.append({"field": "value", "message": "A percentage from 1 to 99."})
    starts_at, ends_at = values.get("starts_at"), values.get("ends_at")
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        problems.append({"field": "ends_at", "message": "The end must come after the start."})
    max_uses = _whole(values, "max_uses", problems, minimum=1)
    per_member = _whole(values, "max_uses_per_member", problems, minimum=1)
    min_order = _whole(values, "min_order_coins", problems, minimum=0) or 0
    if kind == "coins" and min_order:
        problems.append(
            {"field": "min_order_coins", "message": "Only discount codes have a minimum order."}
        )
    if problems:
        raise ValidationFailed("Some fields need another look.", details=problems)
    with transaction():
        taken = db.session.execute(
            select(PromoCode.id).where(PromoCode.code == code)
        ).scalar_one_or_none()
        if taken is not None:
            raise Conflict(
                "That code exists already.",
                details=[{"field": "code", "message": "That code exists already."}],
            )
        promo = PromoCode(
            code=code,
            kind=kind,
            value=value,
            starts_at=starts_at,
            ends_at=ends_at,
            max_uses=max_uses,
            max_uses_per_member=per_member or 1,
            min_order_coins=min_order,
            first_order_only=bool(values.get("first_order_only")),
            is_active=True,
            created_by_id=admin_id,
        )
        db.session.add(promo)
        db.session.flush()
        record_admin_action(
            admin_id, "promo_code.create", "promo_code", promo.code, after=_snapshot(promo)
        )
    return promo


def _snapshot(promo: PromoCode) -> dict[str, Any]:
    return {
        "kind": promo.kind,
        "value": promo.value,
        "starts_at": promo.starts_at.isoformat() if promo.starts_at else None,
        "ends_at": promo.ends_at.isoformat() if promo.ends_at else None,
        "max_uses": promo.max_uses,
        "max_uses_per_member": promo.max_uses_per_member,
        "min_order_coins": promo.min_order_coins,
        "first_order_only": promo.first_order_only,
        "is_active": promo.is_active,
    }


def set_active(code_id: int, active: bool, *, admin_id: int) -> PromoCode:
    """Pause (no new redemptions) or resume a code; audited when it changes."""
    with transaction():
        promo = db.session.get(PromoCode, code_id, with_for_update=True)
        if promo is None:
            raise NotFound("No such promo code.")
        if promo.is_active != active:
            promo.is_active = active
            record_admin_action(
                admin_id,
                "promo_code.resume" if active else "promo_code.pause",
                "promo_code",
                promo.code,
                before={"is_active": not active},
                after={"is_active": active},
            )
    return promo


def list_codes(*, code_id: int | None = None) -> list[PromoCodeRow]:
    """Every code (or one), newest first, with its redemptions and the coins they moved."""
    usage = (
        select(
            PromoRedemption.promo_code_id,
            func.count().label("n"),
            func.sum(PromoRedemption.coins).label("coins"),
        )
        .group_by(PromoRedemption.promo_code_id)
        .subquery()
    )
    query = (
        select(PromoCode, func.coalesce(usage.c.n, 0), func.coalesce(usage.c.coins, 0))
        .outerjoin(usage, usage.c.promo_code_id == PromoCode.id)
        .order_by(PromoCode.id.desc())
    )
    if code_id is not None:
        query = query.where(PromoCode.id == code_id)
    return [PromoCodeRow(p, int(n), int(c)) for p, n, c in db.session.execute(query).all()]


# --- members -------------------------------------------------------------------------------


def _find(code: str, field: str) -> PromoCode:
    promo = db.session.execute(
        select(PromoCode).where(PromoCode.code == normalise(code))
    ).scalar_one_or_none()
    if promo is None:
        raise PromoCodeRejected("unknown", "There is no such promo code.", field=field)
    return promo


def _check_usable(
    promo: PromoCode, user_id: int, now: datetime, field: str, *, order_id: int | None = None
) -> None:
    """Every rule but the order's size and the last use (claimed separately)."""
    if not promo.is_active:
        raise PromoCodeRejected("paused", "This code cannot be used right now.", field=field)
    if promo.starts_at is not None and now < promo.starts_at:
        raise PromoCodeRejected(
            "not_started",
            f"This code can be used from {promo.starts_at:%d %b %Y, %H:%M} UTC.",
            field=field,
        )
    if promo.ends_at is not None and now >= promo.ends_at:
        raise PromoCodeRejected(
            "expired", f"This code expired on {promo.ends_at:%d %b %Y, %H:%M} UTC.", field=field
        )
    used = db.session.execute(
        select(func.count())
        .select_from(PromoRedemption)
        .where(PromoRedemption.promo_code_id == promo.id, PromoRedemption.user_id == user_id)
    ).scalar_one()
    if used >= promo.max_uses_per_member:
        times = "once" if promo.max_uses_per_member == 1 else f"{promo.max_uses_per_member} times"
        raise PromoCodeRejected(
            "member_limit",
            f"You have used this code already (it works {times} per member).",
            field=field,
        )
    if promo.first_order_only:
        earlier = select(Order.id).where(Order.user_id == user_id, Order.status != "cancelled")
        if order_id is not None:
            earlier = earlier.where(Order.id != order_id)
        if db.session.execute(earlier.limit(1)).first() is not None:
            raise PromoCodeRejected(
                "not_first_order", "This code is for a first order only.", field=field
            )
    if promo.uses_left is not None and promo.uses_left <= 0:
        raise PromoCodeRejected("used_up", "This code has been used up.", field=field)


def _claim_use(promo: PromoCode, field: str) -> None:
    """Take one use; loses cleanly (used up) when another redemption took the last one."""
    claimed = rows_affected(
        update(PromoCode)
        .where(
            PromoCode.id == promo.id,
            PromoCode.is_active,
            (PromoCode.max_uses.is_(None)) | (PromoCode.times_used < PromoCode.max_uses),
        )
        .values(times_used=PromoCode.times_used + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed != 1:
        raise PromoCodeRejected("used_up", "This code has been used up.", field=field)


def discount_for(promo: PromoCode, subtotal: int, field: str = "promo_code") -> int:
    """Coins a discount code takes off `subtotal` (at least one coin is left to pay)."""
    if subtotal < promo.min_order_coins:
        raise PromoCodeRejected(
            "below_minimum",
            f"This code needs an order of at least {promo.min_order_coins:,} coins.",
            field=field,
        )
    off = max(1, subtotal * promo.value // 100) if promo.kind == "percent" else promo.value
    off = min(off, subtotal - 1)
    if off < 1:
        raise PromoCodeRejected(
            "below_minimum", "This order is too small for a discount.", field=field
        )
    return off


def redeem_coins(
    user_id: int, code: str, *, field: str = "code", now: datetime | None = None
) -> PromoRedemption:
    """A member redeems a coin code: the coins land in the wallet, audited, exactly once
    per use."""
    when = now or utcnow()
    with transaction():
        ledger.lock_wallet(user_id)
        promo = _find(code, field)
        if promo.is_discount:
            raise PromoCodeRejected(
                "wrong_kind",
                "This code takes coins off an order: enter it at checkout.",
                field=field,
            )
        _check_usable(promo, user_id, when, field)
        _claim_use(promo, field)
        redemption = PromoRedemption(
            promo_code_id=promo.id, user_id=user_id, coins=promo.value, created_at=when
        )
        db.session.add(redemption)
        db.session.flush()
        ledger.credit_promo_code(user_id, redemption.id, promo.code, promo.value, now=when)
        record_admin_action(
            None,
            "promo_code.redeem",
            "promo_code",
            promo.code,
            after={"user_id": user_id, "coins": promo.value},
        )
        notify(
            user_id,
            "promo",
            f"Promo code {promo.code}: {promo.value:,} coins added",
            "They are in your wallet now.",
            link="/wallet",
        )
    return redemption


def apply_discount(order: Order, code: str, *, now: datetime | None = None) -> int:
    """Checkout's discount step, inside its transaction, before the coins are frozen: takes
    the code's coins off `order.total_coins` and records the use. Returns the coins off."""
    when = now or utcnow()
    ledger.lock_wallet(order.user_id)
    promo = _find(code, "promo_code")
    if not promo.is_discount:
        raise PromoCodeRejected(
            "wrong_kind", "This code adds coins to your wallet: redeem it on the wallet page."
        )
    _check_usable(promo, order.user_id, when, "promo_code", order_id=order.id)
    off = discount_for(promo, order.total_coins)
    _claim_use(promo, "promo_code")
    db.session.add(
        PromoRedemption(
            promo_code_id=promo.id,
            user_id=order.user_id,
            order_id=order.id,
            coins=off,
            created_at=when,
        )
    )
    order.total_coins -= off
    db.session.flush()
    record_admin_action(
        None,
        "promo_code.redeem",
        "promo_code",
        promo.code,
        after={"user_id": order.user_id, "order_code": order.order_code, "coins_off": off},
    )
    return off


@dataclass(frozen=True)
class Discount:
    code: str
    coins_off: int
    subtotal: int

    @property
    def total(self) -> int:
        return self.subtotal - self.coins_off


def preview_discount(
    user_id: int, code: str, subtotal: int, *, now: datetime | None = None
) -> Discount:
    """What a discount code would take off a cart now (checkout's "apply"); claims nothing."""
    promo = _find(code, "promo_code")
    if not promo.is_discount:
        raise PromoCodeRejected(
            "wrong_kind", "This code adds coins to your wallet: redeem it on the wallet page."
        )
    _check_usable(promo, user_id, now or utcnow(), "promo_code")
    return Discount(promo.code, discount_for(promo, subtotal), subtotal)


def order_discount(order_id: int) -> Discount | None:
    """The code used on an order and the coins it took off, if any."""
    row = db.session.execute(
        select(PromoCode.code, PromoRedemption.coins, Order.total_coins)
        .join(PromoRedemption, PromoRedemption.promo_code_id == PromoCode.id)
        .join(Order, Order.id == PromoRedemption.order_id)
        .where(PromoRedemption.order_id == order_id)
    ).first()
    if row is None:
        return None
    code, off, total = row
    return Discount(code, int(off), int(total) + int(off))
