"""Referrals (SPEC §4): a code links two members; the first shipment pays both, once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import aliased

from app.backoffice.audit import record_admin_action
from app.backoffice.settings import get_settings
from app.coins import ledger
from app.core.db import rows_affected, transaction
from app.core.errors import AlreadyReviewed, NotFound, ValidationFailed
from app.core.notifications import notify
from app.extensions import db
from app.fraud import linked_accounts
from app.gamification import achievements
from app.models.base import utcnow
from app.models.linked_accounts import HoldStatus, ReferralHold
from app.models.orders import Order
from app.models.users import Referral, ReferralStatus, User

MAX_NOTE = 2000


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
    chain: User | None = referrer
    seen: set[int] = set()
    while chain is not None and chain.referred_by_id is not None and chain.id not in seen:
        seen.add(chain.id)
        if chain.referred_by_id == referred.id:
            raise ValidationFailed("Referral loops are not allowed.")
        chain = db.session.get(User, chain.referred_by_id)
    referred.referred_by_id = referrer.id
    referral = Referral(
        referrer_id=referrer.id, referred_id=referred.id, code_used=referrer.referral_code
    )
    db.session.add(referral)
    db.session.flush()
    # One more friend joined: "Social Walker" and the like unlock for the referrer now.
    achievements.evaluate(referrer.id, moved=achievements.REFERRAL_FACTS)
    return referral


def pay_bonus_on_first_shipment(referred_user_id: int) -> Referral | None:
    """Called when one of the member's orders ships. Pays both sides once, ever.

    Between linked accounts (one phone synced steps for both) the bonus is held for an
    admin instead: `approve_held_bonus` pays it through the ledger, `reject_held_bonus`
    never does. Both members are told why in plain words.
    """
    referral = db.session.execute(
        select(Referral).where(Referral.referred_id == referred_user_id)
    ).scalar_one_or_none()
    if referral is None or referral.status == ReferralStatus.CONVERTED:
        return None
    shipped_before = db.session.execute(
        select(Order.id).where(
            Order.user_id == referred_user_id,
            Order.shipped_at.is_not(None),
        )
    ).first()
    if shipped_before is None:
        return None
    held = db.session.execute(
        select(ReferralHold).where(ReferralHold.referral_id == referral.id)
    ).scalar_one_or_none()
    if held is not None:
        return None  # waiting for an admin, or refused: never paid from here
    if linked_accounts.accounts_linked(referral.referrer_id, referral.referred_id):
        _hold(referral)
        return None
    _pay(referral, utcnow())
    return referral


HELD_TITLE = "Your referral bonus is being checked"
HELD_BODY = (
    "The account that invited and the account that joined synced steps from the same "
    "phone, so an admin checks the bonus before it is paid. You will hear the outcome here."
)


def _hold(referral: Referral) -> ReferralHold:
    hold = ReferralHold(
        referral_id=referral.id,
        reasons=[
            {
                "code": "linked_accounts",
                "message": "The referrer and the referred member synced steps from the same "
                "phone, so this may be one person with two accounts.",
                "weight": 0,
            }
        ],
        status=HoldStatus.PENDING,
    )
    db.session.add(hold)
    for member_id in (referral.referrer_id, referral.referred_id):
        notify(member_id, "referral", HELD_TITLE, HELD_BODY, link="/referrals")
    db.session.flush()
    return hold


def _pay(referral: Referral, now: datetime) -> None:
    settings = get_settings()
    ledger.award_referral_bonus(
        referral.referrer_id, referral.id, "referrer", settings.referral_referrer_bonus, now=now
    )
    ledger.award_referral_bonus(
        referral.referred_id, referral.id, "referred", settings.referral_referred_bonus, now=now
    )
    referral.status = ReferralStatus.CONVERTED
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


@dataclass(frozen=True)
class HeldBonus:
    hold: ReferralHold
    referral: Referral
    referrer: User
    referred: User


def held_bonuses(user_id: int | None = None, *, open_only: bool = False) -> list[HeldBonus]:
    """Held referral bonuses (of one member, as referrer or referred), newest first."""
    referrer, referred = aliased(User), aliased(User)
    stmt = (
        select(ReferralHold, Referral, referrer, referred)
        .join(Referral, Referral.id == ReferralHold.referral_id)
        .join(referrer, referrer.id == Referral.referrer_id)
        .join(referred, referred.id == Referral.referred_id)
        .order_by(ReferralHold.id.desc())
    )
    if user_id is not None:
        stmt = stmt.where(or_(Referral.referrer_id == user_id, Referral.referred_id == user_id))
    if open_only:
        stmt = stmt.where(ReferralHold.status == HoldStatus.PENDING)
    return [HeldBonus(*row) for row in db.session.execute(stmt).all()]


def _decide(
    hold_id: int, status: str, admin_id: int, note: str | None, now: datetime
) -> tuple[ReferralHold, Referral]:
    claimed = rows_affected(
        update(ReferralHold)
        .where(ReferralHold.id == hold_id, ReferralHold.status == HoldStatus.PENDING)
        .values(status=status, reviewed_by_id=admin_id, reviewed_at=now, review_note=note)
        .execution_options(synchronize_session=False)
    )
    hold = db.session.execute(
        select(ReferralHold)
        .where(ReferralHold.id == hold_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if hold is None:
        raise NotFound("No such held bonus.")
    if claimed != 1:
        raise AlreadyReviewed(f"This bonus was already {hold.status}.")
    return hold, db.session.get_one(Referral, hold.referral_id)


def approve_held_bonus(
    hold_id: int, *, admin_id: int, note: str | None = None, now: datetime | None = None
) -> Referral:
    """Pay a held bonus now, through the ledger, to both sides."""
    when = now or utcnow()
    note = (note or "").strip()[:MAX_NOTE] or None
    with transaction():
        hold, referral = _decide(hold_id, HoldStatus.APPROVED, admin_id, note, when)
        _pay(referral, when)
        record_admin_action(
            admin_id,
            "referral.approve_held",
            "referral_hold",
            hold.id,
            before={"status": HoldStatus.PENDING},
            after={"status": HoldStatus.APPROVED, "referral_id": referral.id},
            note=note,
        )
    return referral


def reject_held_bonus(
    hold_id: int, *, admin_id: int, note: str, now: datetime | None = None
) -> None:
    """Refuse a held bonus; both members read the note."""
    when = now or utcnow()
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("Say why: both members read this note.", details=[{"field": "note"}])
    note = note[:MAX_NOTE]
    with transaction():
        hold, referral = _decide(hold_id, HoldStatus.REJECTED, admin_id, note, when)
        for member_id in (referral.referrer_id, referral.referred_id):
            notify(
                member_id, "referral", "The referral bonus was not paid", note, link="/referrals"
            )
        record_admin_action(
            admin_id,
            "referral.reject_held",
            "referral_hold",
            hold.id,
            before={"status": HoldStatus.PENDING},
            after={"status": HoldStatus.REJECTED, "referral_id": referral.id},
            note=note,
        )
