"""Password reset by e-mailed link, with no table.

The link is signed with SECRET_KEY and carries a fingerprint of the current password hash:
once the password changes (by this link or otherwise) every older link stops working, so
each link is good for one reset and for a limited time. Signing out (which bumps the
session version) leaves a pending link working; a deactivated or banned account's does not.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.accounts import accounts
from app.core import mail
from app.core.db import transaction
from app.core.errors import ValidationFailed
from app.core.links import external_url
from app.extensions import db
from app.models.users import User

SALT = "fitkart-password-reset"


class ResetLinkInvalid(ValidationFailed):
    code = "reset_link_invalid"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(user: User) -> str:
    material = user.password_hash.encode()
    return hashlib.sha256(material).hexdigest()[:32]


def make_token(user: User) -> str:
    return _serializer().dumps({"uid": user.id, "fp": _fingerprint(user)})


def _max_age() -> int:
    return int(current_app.config.get("PASSWORD_RESET_MAX_AGE_SECONDS", 3600))


def user_for_token(token: str) -> User:
    """The member a link was made for, or ResetLinkInvalid (expired, used or forged)."""
    invalid = ResetLinkInvalid(
        "This reset link has expired or was already used. Ask for a new one."
    )
    try:
        payload = _serializer().loads(token, max_age=_max_age())
    except BadSignature:
        raise invalid from None
    if not isinstance(payload, dict) or not isinstance(payload.get("uid"), int):
        raise invalid
    user = db.session.get(User, payload["uid"])
    if user is None or not user.is_active or payload.get("fp") != _fingerprint(user):
        raise invalid
    return user


def request_reset(email: str) -> None:
    """Queue a reset mail for this address; the caller answers the same either way.

    Nothing done before the answer depends on whether the address has an account: the
    lookup, the link and the mail all happen in the background, so neither the work nor
    the time of the request tells."""
    mail.send_later(mail_reset_link, email)


def mail_reset_link(email: str) -> None:
    """E-mail a reset link if the address has a live account (runs in the background)."""
    try:
        address = accounts.normalise_email(email)
    except ValidationFailed:
        return
    user = accounts.find_by_email(address)
    if user is None or not user.is_active:
        return
    minutes = _max_age() // 60
    link = external_url("auth.reset_password", token=make_token(user))
    body = (
        f"Hello {user.full_name.split()[0]},\n\n"
        "Someone (hopefully you) asked to reset the password of your FitKart account.\n"
        f"Choose a new password here within {minutes} minutes:\n\n"
        f"{link}\n\n"
        "If you did not ask for this, ignore this e-mail: your password stays as it is.\n"
    )
    try:
        mail.send(user.email, "Reset your FitKart password", body)
    except mail.MailNotSent:
        current_app.logger.exception("password reset mail to user %s not sent", user.id)


def reset_password(token: str, new_password: str) -> User:
    """Set the new password; every session and refresh token of the member ends."""
    with transaction():
        user = user_for_token(token)
        accounts.set_password(user, new_password)
    return user
