"""Confirming a member's e-mail address: a link for the browser, a code for the phone.

One mail carries both. The link is signed with SECRET_KEY and names the address it was
sent to, so it stops working if the address changes; it lasts 3 days, as does the code
(5 tries, one live code). Until confirmed a member walks and earns but cannot check out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.accounts import email_codes
from app.core import mail
from app.core.db import transaction
from app.core.errors import EmailNotVerified, ValidationFailed
from app.core.links import external_url
from app.extensions import db
from app.models.base import utcnow
from app.models.users import User

SALT = "fitkart-email-verification"
LIFETIME = timedelta(days=3)
NOT_VERIFIED = (
    "Confirm your e-mail address before checking out: follow the link in the e-mail we "
    "sent when you registered, or ask for a new one in your settings."
)


class VerificationLinkInvalid(ValidationFailed):
    code = "verification_link_invalid"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(user: User) -> str:
    return _serializer().dumps({"uid": user.id, "email": user.email})


def require_verified(user: User) -> None:
    """Checkout's rule: an unconfirmed address is refused with EmailNotVerified (403)."""
    if not user.email_verified:
        raise EmailNotVerified(NOT_VERIFIED)


def send_verification(user_id: int) -> None:
    """Queue the confirmation mail (link and code); nothing if already confirmed."""
    mail.send_later(mail_verification, user_id)


def mail_verification(user_id: int) -> None:
    user = db.session.get(User, user_id)
    if user is None or user.email_verified or not user.is_active:
        return
    with transaction():
        code = email_codes.issue_code(user, purpose="verify", lifetime=LIFETIME)
    link = external_url("auth.verify_email", token=make_token(user))
    body = (
        f"Hello {user.full_name.split()[0]},\n\n"
        "Welcome to FitKart! Confirm this e-mail address to redeem your coins:\n\n"
        f"{link}\n\n"
        f"In the app, type this code instead: {code}\n\n"
        "The link and the code work for 3 days. If you did not create an account, ignore "
        "this e-mail.\n"
    )
    try:
        mail.send(user.email, "Confirm your FitKart e-mail address", body)
    except mail.MailNotSent:
        current_app.logger.exception("verification mail to user %s not sent", user.id)


def _mark_verified(user: User, now: datetime) -> None:
    if user.email_verified_at is None:
        user.email_verified_at = now


def verify_link(token: str, *, now: datetime | None = None) -> User:
    """Confirm the address a link was sent to, or VerificationLinkInvalid."""
    invalid = VerificationLinkInvalid(
        "This confirmation link has expired or is not for your current address. Ask for a "
        "new one in your settings."
    )
    try:
        payload = _serializer().loads(token, max_age=int(LIFETIME.total_seconds()))
    except BadSignature:
        raise invalid from None
    if not isinstance(payload, dict) or not isinstance(payload.get("uid"), int):
        raise invalid
    with transaction():
        user = db.session.get(User, payload["uid"])
        if user is None or user.deleted_at is not None or user.email != payload.get("email"):
            raise invalid
        _mark_verified(user, now or utcnow())
    return user


def verify_code(user: User, code: str, *, now: datetime | None = None) -> None:
    """Confirm the address with the mailed code; a wrong, used or expired code raises."""
    if user.email_verified:
        return
    moment = now or utcnow()
    with transaction():
        accepted = email_codes.spend_code(user, code, purpose="verify", now=moment)
        if accepted:
            _mark_verified(user, moment)
    if not accepted:
        raise ValidationFailed(
            "That code is not right or has expired. Ask for a new one.",
            details=[{"field": "code"}],
        )
