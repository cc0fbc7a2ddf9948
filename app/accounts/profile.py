"""The member's own data: profile, privacy, addresses, data export and account deletion."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, select, update

from app.accounts import accounts, tokens
from app.accounts.passwords import hash_password, verify_password
from app.core.db import transaction
from app.core.errors import NotFound, ValidationFailed
from app.extensions import db
from app.fraud import linked_accounts
from app.gamification import teams
from app.models.admin import AnalyticsEvent, IdempotencyKey
from app.models.base import utcnow
from app.models.cart import CartItem
from app.models.gamification import Achievement, UserAchievement
from app.models.linked_accounts import AccountDevice, SignupAddress
from app.models.mail import OutboundMail
from app.models.notifications import Notification
from app.models.orders import Order
from app.models.sign_in import SIGN_IN_METHODS
from app.models.steps import StepRecord, StepValidation
from app.models.users import Referral, RefreshToken, User, UserAddress, UserStatus
from app.models.wallet import CoinTransaction
from app.orders import orders

MAX_ADDRESSES = 10
DELETED_NAME = "Deleted member"


# --- profile and privacy ---------------------------------------------------------------------


def update_profile(user: User, full_name: str, timezone: str) -> User:
    problems: list[dict[str, str]] = []
    name = " ".join((full_name or "").split())
    if not name:
        problems.append({"field": "full_name", "message": "Enter your name."})
    elif len(name) > 120:
        problems.append({"field": "full_name", "message": "Name must be at most 120 characters."})
    try:
        zone = accounts.validate_timezone(timezone)
    except ValidationFailed as exc:
        problems.append({"field": "timezone", "message": exc.message})
    if problems:
        raise ValidationFailed(problems[0]["message"], details=problems)
    with transaction():
        user.full_name = name
        user.timezone = zone
    return user


def set_privacy(user: User, *, hidden: bool, show_full_name: bool) -> User:
    with transaction():
        user.leaderboard_hidden = bool(hidden)
        user.show_full_name = bool(show_full_name)
    return user


def set_order_emails(user: User, *, enabled: bool) -> User:
    """Order e-mails on or off (the in-app notifications stay either way)."""
    with transaction():
        user.order_emails = bool(enabled)
    return user


# --- addresses -------------------------------------------------------------------------------


def addresses(user_id: int) -> list[UserAddress]:
    """Saved addresses, the default first, then newest."""
    return list(
        db.session.execute(
            select(UserAddress)
            .where(UserAddress.user_id == user_id)
            .order_by(UserAddress.is_default.desc(), UserAddress.id.desc())
        ).scalars()
    )


def _own_address(user_id: int, address_id: int) -> UserAddress:
    address = db.session.get(UserAddress, address_id)
    if address is None or address.user_id != user_id:
        raise NotFound("That address does not exist.")
    return address


def add_address(
    user_id: int, raw: dict[str, Any], *, label: str | None = None, make_default: bool = False
) -> UserAddress:
    """Save a cleaned address; the first one saved becomes the default."""
    cleaned = orders.clean_address(raw)
    label = (label or "").strip()[:40] or None
    with transaction():
        existing = addresses(user_id)
        if len(existing) >= MAX_ADDRESSES:
            raise ValidationFailed(
                f"You can keep up to {MAX_ADDRESSES} addresses; delete one first."
            )
        address = UserAddress(user_id=user_id, label=label, is_default=False, **cleaned)
        db.session.add(address)
        db.session.flush()
        if make_default or not existing:
            _make_default(user_id, address)
    return address


def _make_default(user_id: int, address: UserAddress) -> None:
    # Clear the old default first: a partial unique index allows one per member.
    db.session.execute(
        update(UserAddress)
        .where(UserAddress.user_id == user_id, UserAddress.id != address.id)
        .values(is_default=False)
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()
    address.is_default = True
    db.session.flush()


def set_default_address(user_id: int, address_id: int) -> UserAddress:
    with transaction():
        address = _own_address(user_id, address_id)
        _make_default(user_id, address)
    return address


def delete_address(user_id: int, address_id: int) -> None:
    """Forget an address; orders keep their own copy of it. The next one becomes default."""
    with transaction():
        address = _own_address(user_id, address_id)
        was_default = address.is_default
        _forget_address(address)
        if was_default:
            rest = addresses(user_id)
            if rest:
                _make_default(user_id, rest[0])


def _forget_address(address: UserAddress) -> None:
    db.session.execute(
        update(Order)
        .where(Order.address_id == address.id)
        .values(address_id=None)
        .execution_options(synchronize_session="fetch")
    )
    db.session.delete(address)
    db.session.flush()


# --- download my data ------------------------------------------------------------------------


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def export_data(user: User) -> dict[str, Any]:
    """Everything FitKart holds about the member, as plain JSON-ready data."""
    uid = user.id

    def rows(stmt: Select[Any]) -> list[Any]:
        return list(db.session.execute(stmt).scalars())

    wallet = user.wallet
    invited = db.session.execute(
        select(Referral, User)
        .join(User, User.id == Referral.referred_id)
        .where(Referral.referrer_id == uid)
        .order_by(Referral.id)
    ).all()
    unlocked = db.session.execute(
        select(UserAchievement, Achievement)
        .join(Achievement, Achievement.id == UserAchievement.achievement_id)
        .where(UserAchievement.user_id == uid)
        .order_by(UserAchievement.unlocked_at)
    ).all()
    return {
        "exported_at": utcnow().isoformat(),
        "profile": {
            "id": uid,
            "email": user.email,
            "full_name": user.full_name,
            "timezone": user.timezone,
            "referral_code": user.referral_code,
            "role": user.role,
            "status": user.status,
            "leaderboard_hidden": user.leaderboard_hidden,
            "show_full_name": user.show_full_name,
            "order_emails": user.order_emails,
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
            "referred_by_code": (
                db.session.get_one(User, user.referred_by_id).referral_code
                if user.referred_by_id
                else None
            ),
        },
        "wallet": wallet.as_dict() if wallet else None,
        "coin_transactions": [
            {
                "id": t.id,
                "created_at": _iso(t.created_at),
                "transaction_type": t.transaction_type,
                "amount": t.amount,
                "frozen_change": t.frozen_change,
                "available_after": t.available_after,
                "frozen_after": t.frozen_after,
                "description": t.description,
                "reference_type": t.reference_type,
                "reference_id": t.reference_id,
            }
            for t in rows(
                select(CoinTransaction)
                .where(CoinTransaction.user_id == uid)
                .order_by(CoinTransaction.id)
            )
        ],
        "step_records": [
            {
                "date": _iso(r.recorded_date),
                "source": r.source,
                "steps": r.steps,
                "distance_m": r.distance_m,
                "active_minutes": r.active_minutes,
                "recording_method": r.recording_method,
                "device_id": r.device_id,
                "client_record_id": r.client_record_id,
                "intervals": r.intervals,
                "status": r.status,
                "anomaly_score": r.anomaly_score,
                "updated_at": _iso(r.updated_at),
            }
            for r in rows(
                select(StepRecord)
                .where(StepRecord.user_id == uid)
                .order_by(StepRecord.recorded_date, StepRecord.source)
            )
        ],
        "step_reviews": [
            {
                "date": _iso(v.recorded_date),
                "status": v.status,
                "anomaly_score": v.anomaly_score,
                "reasons": v.reasons,
                "review_note": v.review_note,
                "reviewed_at": _iso(v.reviewed_at),
                "appeal_message": v.appeal_message,
                "appealed_at": _iso(v.appealed_at),
            }
            for v in rows(
                select(StepValidation)
                .where(StepValidation.user_id == uid)
                .order_by(StepValidation.recorded_date)
            )
        ],
        "orders": [
            {
                "order_code": o.order_code,
                "status": o.status,
                "total_coins": o.total_coins,
                "shipping_address": o.shipping_address,
                "tracking_number": o.tracking_number,
                "created_at": _iso(o.created_at),
                "items": [
                    {
                        "title": i.product_snapshot.get("title"),
                        "quantity": i.quantity,
                        "coin_price": i.coin_price_at_purchase,
                    }
                    for i in o.items
                ],
            }
            for o in rows(select(Order).where(Order.user_id == uid).order_by(Order.id))
        ],
        "addresses": [
            {"label": a.label, "is_default": a.is_default, **a.as_dict()} for a in addresses(uid)
        ],
        "phones_synced_from": [
            {
                "device_id": d.device_id,
                "first_seen_at": _iso(d.first_seen_at),
                "last_seen_at": _iso(d.last_seen_at),
                "syncs": d.syncs,
            }
            for d in linked_accounts.devices_with_dates(uid)
        ],
        "signup_address": linked_accounts.signup_address(uid),
        "cart": [
            {"product_id": c.product_id, "quantity": c.quantity}
            for c in rows(select(CartItem).where(CartItem.user_id == uid).order_by(CartItem.id))
        ],
        "achievements": [
            {
                "code": a.code,
                "name": a.name,
                "unlocked_at": _iso(ua.unlocked_at),
                "coins_awarded": ua.coins_awarded,
            }
            for ua, a in unlocked
        ],
        "referrals_made": [
            {
                "invited": u.display_name,
                "status": r.status,
                "joined_at": _iso(r.created_at),
                "converted_at": _iso(r.converted_at),
            }
            for r, u in invited
        ],
        "notifications": [
            {
                "kind": n.kind,
                "title": n.title,
                "body": n.body,
                "created_at": _iso(n.created_at),
                "read_at": _iso(n.read_at),
            }
            for n in rows(
                select(Notification).where(Notification.user_id == uid).order_by(Notification.id)
            )
        ],
        "devices": [
            {
                "device_name": t.device_name,
                "ip_address": t.ip_address,
                "user_agent": t.user_agent,
                "created_at": _iso(t.created_at),
                "last_used_at": _iso(t.last_used_at),
                "revoked_at": _iso(t.revoked_at),
            }
            for t in rows(
                select(RefreshToken).where(RefreshToken.user_id == uid).order_by(RefreshToken.id)
            )
        ],
    }


# --- delete my account -----------------------------------------------------------------------


def delete_account(user: User, password: str, *, now: datetime | None = None) -> None:
    """Remove or anonymise the member's personal data; the ledger stays as it is.

    Open orders are cancelled first (their coins come back through the ledger). The
    `users` row stays, anonymised, because coin_transactions, orders and referrals point
    at it and the ledger may never change.
    """
    if not verify_password(password or "", user.password_hash):
        raise ValidationFailed("Your password is not right.", details=[{"field": "password"}])
    when = now or utcnow()
    uid = user.id
    with transaction():
        open_codes = db.session.execute(
            select(Order.order_code).where(
                Order.user_id == uid, Order.status.in_(orders.MEMBER_CANCELLABLE)
            )
        ).scalars()
        for code in list(open_codes):
            orders.cancel_by_member(uid, code, now=when)
        for address in addresses(uid):
            _forget_address(address)
        teams.forget_member(uid)
        db.session.execute(
            update(Order)
            .where(Order.user_id == uid)
            .values(shipping_address=_redacted_address)
            .execution_options(synchronize_session=False)
        )
        for table in (
            CartItem,
            Notification,
            # Queued mail holds the address and name; unsent mail to a deleted account stays so.
            OutboundMail,
            IdempotencyKey,
            AccountDevice,
            SignupAddress,
            *SIGN_IN_METHODS,
        ):
            db.session.execute(delete(table).where(table.user_id == uid))
        tokens.revoke_all_for_user(uid, reason="account_deleted")
        db.session.execute(
            update(RefreshToken)
            .where(RefreshToken.user_id == uid)
            .values(device_name=None, ip_address=None, user_agent=None)
        )
        db.session.execute(
            update(AnalyticsEvent)
            .where(AnalyticsEvent.user_id == uid)
            .values(ip_address=None, user_agent=None)
        )
        db.session.execute(
            update(StepRecord)
            .where(StepRecord.user_id == uid)
            .values(device_id=None, client_record_id=None)
        )
        db.session.execute(
            update(StepValidation)
            .where(StepValidation.user_id == uid, StepValidation.appeal_message.is_not(None))
            .values(appeal_message="(removed with the account)")
        )
        user.email = f"deleted-{uid}@deleted.invalid"
        user.full_name = DELETED_NAME
        user.password_hash = hash_password(secrets.token_urlsafe(32))
        user.status = UserStatus.DEACTIVATED
        user.status_reason = "Account deleted by the member"
        user.leaderboard_hidden = True
        user.show_full_name = False
        user.timezone = "UTC"
        user.last_login_at = None
        user.session_version += 1
        user.deleted_at = when


_redacted_address = {
    "recipient_name": None,
    "line1": "(removed)",
    "line2": None,
    "city": "(removed)",
    "state": None,
    "postal_code": None,
    "country": "XX",
    "phone": None,
}
