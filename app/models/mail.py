"""Outgoing e-mail queued with the change it reports, delivered after commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, CreatedAt, UTCDateTime, sql_in

# pending: waiting (or waiting to be retried); sending: claimed by one deliverer;
# sent; failed: gave up after the last attempt.
MAIL_STATUSES = ("pending", "sending", "sent", "failed")


class OutboundMail(CreatedAt, Base):
    __tablename__ = "outbound_mails"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # What it is about, e.g. "order_shipped" with reference "FK-2026-000012".
    kind: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str | None] = mapped_column(String(64))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint(sql_in("status", MAIL_STATUSES), name="status"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # The retry job reads what is still waiting.
        Index("ix_outbound_mails_status", "status", "id"),
    )
