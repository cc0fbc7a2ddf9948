"""The mail outbox: a mail is queued as a row in the same transaction as the change it
reports, and sent after that transaction commits, so sending never blocks or breaks the
action (an admin shipping an order) and a rolled-back change sends nothing.

After commit the new rows go to the background pool (app/core/background.py). A failed
send leaves the row `pending` with its error; the `mail_outbox` job (app/jobs) retries
what is waiting, up to MAX_ATTEMPTS sends in all, then marks it `failed`. A row is
claimed (`pending` → `sending`) before each send, so the after-commit delivery and the job
never send one mail twice.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.core import background, mail
from app.core.db import rows_affected, transaction
from app.extensions import db
from app.models.base import utcnow
from app.models.mail import OutboundMail

logger = logging.getLogger("app.mail")

MAX_ATTEMPTS = 5
# A row left `sending` this long belongs to a process that died mid-send: send it again.
STALE_SENDING = timedelta(hours=1)
_PENDING_KEY = "fitkart_outbox_pending"


def queue(
    *,
    to: str,
    subject: str,
    text_body: str,
    html_body: str | None,
    kind: str,
    reference: str | None = None,
    user_id: int | None = None,
) -> OutboundMail:
    """Add a mail to the outbox in the caller's transaction; it goes once that commits."""
    row = OutboundMail(
        user_id=user_id,
        kind=kind,
        reference=reference,
        to_address=to,
        subject=subject[:200],
        text_body=text_body,
        html_body=html_body,
        status="pending",
    )
    db.session.add(row)
    db.session.flush()
    db.session.info.setdefault(_PENDING_KEY, []).append(row.id)
    return row


@event.listens_for(Session, "after_commit")
def _deliver_after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint released: the outer transaction can still roll back
    ids = session.info.pop(_PENDING_KEY, None)
    if ids:
        background.submit(deliver_after_commit, list(ids))


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction: Any) -> None:
    # Rows of a rolled-back savepoint are simply not found at delivery.
    if previous_transaction.parent is None:
        session.info.pop(_PENDING_KEY, None)


def deliver_after_commit(ids: list[int]) -> None:
    """The background task: never raises, whatever is left waiting the job retries."""
    try:
        for mail_id in ids:
            deliver(mail_id)
    except SQLAlchemyError:
        db.session.rollback()
        logger.warning("outbox delivery of %s postponed to the retry job", ids, exc_info=True)


def deliver(mail_id: int, *, now: datetime | None = None) -> str:
    """Send one waiting mail. Returns its status afterwards ("sent", "pending", "failed"),
    or "skipped" when it was not waiting (sent already, or another deliverer has it)."""
    when = now or utcnow()
    with transaction():
        claimed = rows_affected(
            update(OutboundMail)
            .where(OutboundMail.id == mail_id, OutboundMail.status == "pending")
            .values(status="sending", attempts=OutboundMail.attempts + 1, last_attempt_at=when)
            .execution_options(synchronize_session=False)
        )
    if claimed != 1:
        return "skipped"
    row = db.session.get(OutboundMail, mail_id, populate_existing=True)
    assert row is not None
    try:
        mail.send(row.to_address, row.subject, row.text_body, html=row.html_body)
    except Exception as exc:
        with transaction():
            row.status = "failed" if row.attempts >= MAX_ATTEMPTS else "pending"
            row.last_error = f"{type(exc).__name__}: {exc}"[:500]
        logger.warning("mail %s (%s) not sent, attempt %s: %s", row.id, row.kind, row.attempts, exc)
        return row.status
    with transaction():
        row.status = "sent"
        row.sent_at = utcnow()
        row.last_error = None
    return "sent"


@dataclass(frozen=True)
class RetryReport:
    attempted: int
    sent: int
    still_waiting: int
    gave_up: int

    def as_details(self) -> dict[str, int]:
        return asdict(self)


def retry_waiting(*, now: datetime | None = None) -> RetryReport:
    """The job: send every waiting mail again (and any stuck mid-send by a dead process)."""
    when = now or utcnow()
    with transaction():
        db.session.execute(
            update(OutboundMail)
            .where(
                OutboundMail.status == "sending",
                OutboundMail.last_attempt_at < when - STALE_SENDING,
            )
            .values(status="pending")
            .execution_options(synchronize_session=False)
        )
    ids = list(
        db.session.execute(
            select(OutboundMail.id)
            .where(OutboundMail.status == "pending")
            .order_by(OutboundMail.id)
        ).scalars()
    )
    db.session.rollback()
    outcomes = [deliver(mail_id, now=when) for mail_id in ids]
    return RetryReport(
        attempted=sum(1 for o in outcomes if o != "skipped"),
        sent=outcomes.count("sent"),
        still_waiting=outcomes.count("pending"),
        gave_up=outcomes.count("failed"),
    )


def counts() -> dict[str, int]:
    """Rows per status, for /admin/jobs."""
    rows = db.session.execute(
        select(OutboundMail.status, func.count()).group_by(OutboundMail.status)
    ).all()
    return {status: int(n) for status, n in rows}
