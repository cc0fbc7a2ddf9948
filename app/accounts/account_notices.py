"""Account mails other than the reset link: composed and sent in the background."""

from __future__ import annotations

from flask import current_app

from app.accounts import accounts
from app.core import mail
from app.core.links import external_url


def tell_owner_about_sign_up(email: str) -> None:
    """Queue the notice to the real owner of an address someone tried to register with."""
    mail.send_later(mail_sign_up_notice, email)


def mail_sign_up_notice(email: str) -> None:
    user = accounts.find_by_email(email)
    if user is None:
        return
    body = (
        "Someone tried to create a FitKart account with this e-mail address, which already "
        "has one.\n\nIf it was you, sign in instead: "
        f"{external_url('auth.login')}\n"
        f"Forgot your password? {external_url('auth.forgot_password')}\n"
    )
    try:
        mail.send(user.email, "You already have a FitKart account", body)
    except mail.MailNotSent:
        current_app.logger.exception("sign-up notice to user %s not sent", user.id)
