"""Admin actions on members: search, deactivate / ban / restore, coin adjustments."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select

from app.accounts import password_reset, tokens
from app.backoffice.audit import record_admin_action
from app.coins import ledger
from app.core.db import transaction
from app.core.errors import NotFound, ValidationFailed
from app.core.notifications import notify
from app.core.search import any_contains
from app.extensions import db
from app.models.orders import Order
from app.models.steps import StepValidation
from app.models.users import STATUSES, User, UserStatus
from app.models.wallet import CoinTransaction, Wallet


def search_statement(term: str | None) -> Select:
    """Live accounts matching `term` (e-mail, name or referral code), unordered."""
    stmt = select(User).where(User.deleted_at.is_(None))
    if term and term.strip():
        stmt = stmt.where(any_contains(term, User.email, User.full_name, User.referral_code))
    return stmt


def search(term: str | None, *, limit: int = 50, offset: int = 0) -> list[User]:
    stmt = search_statement(term)
    return list(
        db.session.execute(stmt.order_by(User.id.desc()).limit(limit).offset(offset)).scalars()
    )


def get_member(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such member.")
    return user


@dataclass(frozen=True)
class MemberDetail:
    member: User
    wallet: Wallet
    recent_transactions: list[CoinTransaction]
    flags: dict[str, int]
    recent_orders: list[Order]


def member_detail(user_id: int, *, recent: int = 20) -> MemberDetail:
    """One member for the admin API: wallet, latest ledger rows, flags by status, orders."""
    member = get_member(user_id)
    wallet = db.session.execute(
        select(Wallet).where(Wallet.user_id == user_id).execution_options(populate_existing=True)
    ).scalar_one()
    transactions = db.session.execute(
        select(CoinTransaction)
        .where(CoinTransaction.user_id == user_id)
        .order_by(CoinTransaction.id.desc())
        .limit(recent)
    ).scalars()
    flags = db.session.execute(
        select(StepValidation.status, func.count())
        .where(StepValidation.user_id == user_id)
        .group_by(StepValidation.status)
    ).all()
    orders = db.session.execute(
        select(Order).where(Order.user_id == user_id).order_by(Order.id.desc()).limit(recent)
    ).scalars()
    return MemberDetail(
        member=member,
        wallet=wallet,
        recent_transactions=list(transactions),
        flags={status: int(count) for status, count in flags},
        recent_orders=list(orders),
    )


def send_password_reset(user_id: int, *, admin_id: int) -> User:
    """E-mail the member a fresh reset link (for "I never got the e-mail" tickets), audited."""
    member = get_member(user_id)
    password_reset.request_reset(member.email)
    with transaction():
        record_admin_action(admin_id, "user.password_reset_sent", "user", member.id)
    return member


def set_status(user_id: int, status: str, *, admin_id: int, reason: str) -> User:
    """Deactivate, ban or restore. Leaving `active` revokes every token (phones sign out)."""
    if status not in STATUSES:
        raise ValidationFailed(f"Status must be one of {', '.join(STATUSES)}.")
    reason = (reason or "").strip()
    if status != UserStatus.ACTIVE and not reason:
        raise ValidationFailed("Give a reason.", details=[{"field": "reason"}])
    if user_id == admin_id:
        raise ValidationFailed("You cannot change your own account's status.")
    with transaction():
        user = get_member(user_id)
        before = {"status": user.status, "status_reason": user.status_reason}
        user.status = status
        user.status_reason = reason[:500] or None
        if status != UserStatus.ACTIVE:
            # Existing browser sessions end too: the session version no longer matches.
            user.session_version += 1
            tokens.revoke_all_for_user(user.id, reason=f"account_{status}")
        else:
            notify(user.id, "account", "Your account is active again")
        record_admin_action(
            admin_id,
            f"user.{status if status != UserStatus.ACTIVE else 'restore'}",
            "user",
            user.id,
            before=before,
            after={"status": status, "status_reason": user.status_reason},
            note=reason or None,
        )
    return user


MAX_ADJUSTMENT = 1_000_000
ADJUSTMENT_RULE = (
    f"The amount must be a whole number of coins from -{MAX_ADJUSTMENT:,} to "
    f"+{MAX_ADJUSTMENT:,}, not 0 (like 50 or -20)."
)


def adjust_coins(user_id: int, amount: int, reason: str, *, admin_id: int) -> CoinTransaction:
    """A hand correction through the ledger, audited in the same transaction. Bounded both
    ways; taking away more than the member has available raises InsufficientCoins (the API's
    409; the console shows it next to the amount)."""
    if isinstance(amount, bool) or not -MAX_ADJUSTMENT <= amount <= MAX_ADJUSTMENT or not amount:
        raise ValidationFailed(ADJUSTMENT_RULE, details=[{"field": "amount"}])
    with transaction():
        get_member(user_id)
        row = ledger.adjust_by_admin(user_id, amount, reason, admin_id=admin_id)
        record_admin_action(
            admin_id,
            "wallet.adjust",
            "user",
            user_id,
            before={"available_coins": row.available_after - row.amount},
            after={"available_coins": row.available_after},
            note=reason.strip(),
        )
        notify(
            user_id,
            "coins",
            f"{'+' if amount > 0 else ''}{amount} coins: adjustment",
            reason.strip(),
            link="/wallet",
        )
    return row
