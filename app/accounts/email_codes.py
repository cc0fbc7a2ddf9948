"""Sign in with a 6-digit code e-mailed to the address, instead of the password.

A code lives 10 minutes and survives 5 wrong tries; asking again replaces it (one live code
per account). Only an HMAC of it (keyed with SECRET_KEY) is stored, so a database copy
does not reveal live codes. Asking answers the same whether or not the address has an
account: the lookup, the code and the mail all happen in the background, as resets do.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from app.accounts import accounts
from app.core import mail
from app.core.db import is_postgres, transaction
from app.core.errors import AccountDisabled, AuthenticationFailed, ValidationFailed
from app.extensions import db
from app.models.base import utcnow
from app.models.sign_in import EmailCode
from app.models.users import User, UserStatus

LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5
WRONG_CODE = (
    "That code is not right or has expired. Ask for a new one if it is older than 10 minutes."
)


def _digest(user_id: int, purpose: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    message = f"email-code:{purpose}:{user_id}:{code}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def request_code(email: str) -> None:
    """Queue a sign-in code for this address; the caller answers the same either way."""
    mail.send_later(mail_sign_in_code, email)


def issue_code(
    user: User,
    *,
    purpose: str = "sign_in",
    lifetime: timedelta = LIFETIME,
    now: datetime | None = None,
) -> str:
    """A new code for the account, replacing any earlier one of that purpose. Caller commits."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    if is_postgres():
        # Two requests at once for one account: the second waits, then replaces the first.
        db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    db.session.execute(
        delete(EmailCode).where(EmailCode.user_id == user.id, EmailCode.purpose == purpose)
    )
    db.session.add(
        EmailCode(
            user_id=user.id,
            purpose=purpose,
            code_hash=_digest(user.id, purpose, code),
            expires_at=(now or utcnow()) + lifetime,
        )
    )
    return code


def spend_code(user: User, code: str, *, purpose: str, now: datetime) -> bool:
    """True (and the code is gone) if it is the account's live code; a wrong try counts,
    the fifth ends the code. Caller commits, also when this says False."""
    query = select(EmailCode).where(EmailCode.user_id == user.id, EmailCode.purpose == purpose)
    if is_postgres():
        query = query.with_for_update()  # two guesses at once still count as two
    stored = db.session.execute(query).scalar_one_or_none()
    if stored is None:
        return False
    if stored.expires_at <= now:
        db.session.delete(stored)
        return False
    if hmac.compare_digest(stored.code_hash, _digest(user.id, purpose, "".join(code.split()))):
        db.session.delete(stored)  # spent in the same transaction: works once
        return True
    stored.failed_attempts += 1
    if stored.failed_attempts >= MAX_ATTEMPTS:
        db.session.delete(stored)
    return False


def mail_sign_in_code(email: str) -> None:
    """Create and mail a code if the address has a live account (runs in the background)."""
    try:
        address = accounts.normalise_email(email)
    except ValidationFailed:
        return
    user = accounts.find_by_email(address)
    if user is None or not user.is_active:
        return
    with transaction():
        code = issue_code(user)
    body = (
        f"Hello {user.full_name.split()[0]},\n\n"
        f"Your FitKart sign-in code is {code}\n\n"
        "Type it on the sign-in page within 10 minutes. It works once.\n"
        "If you did not ask for it, ignore this e-mail: nobody can sign in without it.\n"
    )
    try:
        mail.send(user.email, f"{code} is your FitKart sign-in code", body)
    except mail.MailNotSent:
        current_app.logger.exception("sign-in code mail to user %s not sent", user.id)


def sign_in_with_code(email: str, code: str, *, now: datetime | None = None) -> User:
    """The account the code was mailed to (the code is spent), or AuthenticationFailed
    with one message for every failure: unknown address, wrong, expired or used up."""
    moment = now or utcnow()
    with transaction():
        user = accounts.find_by_email(email)
        accepted = user is not None and spend_code(user, code, purpose="sign_in", now=moment)
        if accepted and user is not None and user.status == UserStatus.ACTIVE:
            user.last_login_at = moment
    # The spent or counted try is committed before the refusal is raised.
    if user is None or not accepted:
        raise AuthenticationFailed(WRONG_CODE)
    if user.status != UserStatus.ACTIVE:
        raise AccountDisabled(f"This account is {user.status}. Contact support.")
    return user
