"""Daily step records per source and the anti-cheat validations of flagged days."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, BigID, JSONType, Timestamps, UTCDateTime, sql_in

SOURCES = ("google_fit", "apple_health", "health_connect", "fitbit", "manual")
RECORDING_METHODS = ("automatic", "manual", "unknown")


class RecordStatus(StrEnum):
    """A step record: verified counts (coins, leaderboards); pending is under review."""

    VERIFIED = "verified"
    PENDING = "pending"
    REJECTED = "rejected"


class CaseStatus(StrEnum):
    """A flagged day's case file (`StepValidation.status`)."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    APPEALED = "appealed"


RECORD_STATUSES = tuple(status.value for status in RecordStatus)
VALIDATION_STATUSES = tuple(status.value for status in CaseStatus)
# A case is open (in the fraud queue) in these states.
OPEN_CASE_STATUSES = (CaseStatus.PENDING, CaseStatus.APPEALED)


class StepRecord(Timestamps, Base):
    __tablename__ = "step_records"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_date: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(32))
    steps: Mapped[int] = mapped_column(Integer)
    distance_m: Mapped[float | None] = mapped_column(Float)
    active_minutes: Mapped[int | None] = mapped_column(Integer)
    recording_method: Mapped[str] = mapped_column(
        String(16), default="automatic", server_default="automatic"
    )
    client_record_id: Mapped[str | None] = mapped_column(String(128))
    device_id: Mapped[str | None] = mapped_column(String(128))
    intervals: Mapped[list | None] = mapped_column(JSONType)
    # verified: counts toward coins and leaderboards; pending: under review; rejected: never.
    status: Mapped[str] = mapped_column(String(16), default="verified", server_default="verified")
    anomaly_score: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))

    validation = relationship("StepValidation", back_populates="record", uselist=False)

    __table_args__ = (
        UniqueConstraint("user_id", "recorded_date", "source"),
        CheckConstraint(sql_in("source", SOURCES), name="source"),
        CheckConstraint(sql_in("status", RECORD_STATUSES), name="status"),
        CheckConstraint(sql_in("recording_method", RECORDING_METHODS), name="recording_method"),
        CheckConstraint("steps >= 0", name="steps_non_negative"),
        CheckConstraint("distance_m IS NULL OR distance_m >= 0", name="distance_non_negative"),
        CheckConstraint("anomaly_score BETWEEN 0 AND 100", name="anomaly_score_range"),
        # A member's days are found through the unique (user_id, recorded_date, source).
        Index("ix_step_records_date", "recorded_date"),
        # /admin: syncs and members syncing in the last 24 hours (an index-only scan).
        Index("ix_step_records_updated_user", "updated_at", "user_id"),
        # /admin: devices with many refused days.
        Index(
            "ix_step_records_rejected_device",
            "recorded_date",
            "device_id",
            "user_id",
            postgresql_where=text("status = 'rejected'"),
            sqlite_where=text("status = 'rejected'"),
        ),
    )


class StepValidation(Timestamps, Base):
    """A flagged day's case file: score, reasons, review and appeal."""

    __tablename__ = "step_validations"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    step_record_id: Mapped[int] = mapped_column(ForeignKey("step_records.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    recorded_date: Mapped[date] = mapped_column(Date)
    anomaly_score: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_note: Mapped[str | None] = mapped_column(Text)
    appeal_message: Mapped[str | None] = mapped_column(Text)
    appealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    record = relationship("StepRecord", back_populates="validation")

    __table_args__ = (
        CheckConstraint(sql_in("status", VALIDATION_STATUSES), name="status"),
        CheckConstraint("anomaly_score BETWEEN 0 AND 100", name="anomaly_score_range"),
        # The fraud queue reads only open cases, highest score first.
        Index(
            "ix_step_validations_open_queue",
            "status",
            "anomaly_score",
            postgresql_where=text("status IN ('pending','appealed')"),
            sqlite_where=text("status IN ('pending','appealed')"),
        ),
        # /admin: how long open cases have waited (index-only over the open queue).
        Index(
            "ix_step_validations_open_age",
            "created_at",
            "appealed_at",
            "status",
            postgresql_where=text("status IN ('pending','appealed')"),
            sqlite_where=text("status IN ('pending','appealed')"),
        ),
        # /admin: cases opened and decided per day, decisions today per admin.
        Index("ix_step_validations_created_at", "created_at"),
        Index("ix_step_validations_reviewed_at", "reviewed_at", "reviewed_by_id"),
    )
