"""Outgoing e-mail: printed in development, kept in memory in tests, SMTP in production.

`MAIL_BACKEND` picks one: `console`, `memory` or `smtp` (MAIL_SERVER, MAIL_PORT,
MAIL_USERNAME, MAIL_PASSWORD, MAIL_USE_TLS, MAIL_FROM).
"""

from __future__ import annotations

import smtplib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from flask import current_app

from app.core import background

OUTBOX_KEY = "fitkart_mail_outbox"


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    # An HTML alternative to the plain-text body, when there is one.
    html: str | None = None


class MailNotSent(Exception):
    """The mail server refused or could not be reached."""


def outbox() -> list[Mail]:
    """Mails sent with the `memory` backend, once every queued mail has gone (tests)."""
    background.drain()
    return _memory_outbox()


def _memory_outbox() -> list[Mail]:
    return current_app.extensions.setdefault(OUTBOX_KEY, [])


def send_later(task: Callable[..., None], *args: Any) -> None:
    """Compose and send mail after the answer has gone, so the request neither waits for
    the mail server nor takes a different time when there is nothing to send."""
    background.submit(task, *args)


def send(to: str, subject: str, body: str, *, html: str | None = None) -> None:
    mail = Mail(to=to, subject=subject, body=body, html=html)
    backend = current_app.config.get("MAIL_BACKEND", "console")
    if backend == "memory":
        _memory_outbox().append(mail)
    elif backend == "console":
        print(_as_text(mail), file=sys.stderr, flush=True)
    elif backend == "smtp":
        _send_smtp(mail)
    else:
        raise RuntimeError(f"MAIL_BACKEND must be console, memory or smtp, not {backend!r}")


def _as_text(mail: Mail) -> str:
    sender = current_app.config.get("MAIL_FROM", "")
    line = "-" * 72
    return f"{line}\nFrom: {sender}\nTo: {mail.to}\nSubject: {mail.subject}\n\n{mail.body}\n{line}"


def _send_smtp(mail: Mail) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config.get("MAIL_FROM")
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message.set_content(mail.body)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailNotSent(str(exc)) from exc
