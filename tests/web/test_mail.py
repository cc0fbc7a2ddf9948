"""The mail backends behind password reset: memory in tests, console in development, SMTP."""

from __future__ import annotations

import pytest

from app.core import mail


def test_memory_backend_keeps_mail_in_the_outbox(app):
    mail.send("mia@example.com", "Hello", "Body text")
    assert mail.outbox() == [mail.Mail("mia@example.com", "Hello", "Body text")]


def test_console_backend_prints_the_whole_mail(app, capsys):
    app.config["MAIL_BACKEND"] = "console"
    mail.send("mia@example.com", "Reset your FitKart password", "http://link")

    printed = capsys.readouterr().err
    assert "To: mia@example.com" in printed and "http://link" in printed
    assert mail.outbox() == []


def test_smtp_backend_reports_a_server_it_cannot_reach(app):
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=1)
    with pytest.raises(mail.MailNotSent):
        mail.send("mia@example.com", "Hello", "Body")


def test_an_unknown_backend_is_a_configuration_error(app):
    app.config["MAIL_BACKEND"] = "pigeon"
    with pytest.raises(RuntimeError, match="MAIL_BACKEND"):
        mail.send("mia@example.com", "Hello", "Body")
