"""Referrals (SPEC §4): a code links two members; the first shipment pays both, once."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models.base import utcnow
from app.models.orders import Order
from app.models.users import Referral, User
from app.services import ledger
from app.services.errors import ValidationFailed
from app.services.notifications import notify
from app.services.settings import get_settings


def find_referrer(code: str) -> User | None:
    code = (code or "").strip().upper()
    if len(code) != 8:
        return None
    return db.session.execute(
        select(User).where(User.referral_code == code, User.deleted_at.is_(None))
    ).scalar_one_or_none()


def link(referrer: User, referred: User) -> Referral:
    """Record that `referrer` invited the new member `referred`."""
    if referrer.id == referred.id:
        raise ValidationFailed("You cannot use your own referral code.")
    # A member who was themselves invited by `referred` would close a loop.
    chain = referrer
    seen: set[int] = set()
    while chain.referred_by_id is not None and chain.id not in seen:
        seen.add(chain.id)
        if chain.referred_by_id == referred.id:
            raise ValidationFailed("Referral loops are not allowed.")
        chain = db.session.get(User, chain.referred_by_id)
        if chain is None:
            break
    referred.referred_by_id = referrer.id
    referral = Referral(
        referrer_id=referrer.id, referred_id=referred.id, code_used=referrer.referral_code
    )
    db.session.add(referral)
    db.session.flush()
    return referral


def pay_bonus_on_first_shipment(referred_user_id: int) -> Referral | None:
    """Called when one of the member's orders ships. Pays both sides once, ever."""
    referral = db.session.execute(
        select(Referral).where(Referral.referred_id == referred_user_id)
    ).scalar_one_or_none()
    if referral is None or referral.status == "converted":
        return None
    shipped_before = db.session.execute(
        select(Order.id).where(
            Order.user_id == referred_user_id,
            Order.shipped_at.is_not(None),
        )
    ).first()
    if shipped_before is None:
        return None
    settings = get_settings()
    now = utcnow()
    ledger.award_referral_bonus(
        referral.referrer_id, referral.id, "referrer", settings.referral_referrer_bonus, now=now
    )
    ledger.award_referral_bonus(
        referral.referred_id, referral.id, "referred", settings.referral_referred_bonus, now=now
    )
    referral.status = "converted"
    referral.converted_at = now
    notify(
        referral.referrer_id,
        "referral",
        "Referral bonus: a friend you invited got their first reward",
        f"+{settings.referral_referrer_bonus} coins.",
        link="/referrals",
    )
    notify(
        referral.referred_id,
        "referral",
        "Welcome bonus for joining with a friend's code",
        f"+{settings.referral_referred_bonus} coins.",
        link="/wallet",
    )
    db.session.flush()
    return referral
