"""Audit log, settings, idempotency keys, job runs and analytics events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigID, CreatedAt, JSONType, UTCDateTime, sql_in

JOB_OUTCOMES = ("running", "success", "failed", "skipped")
IDEMPOTENCY_STATES = ("in_progress", "completed")
TOKEN_SCOPES = ("read", "write")


class AdminLog(CreatedAt, Base):
    __tablename__ = "admin_logs"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    admin_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict | None] = mapped_column(JSONType)
    after: Mapped[dict | None] = mapped_column(JSONType)
    note: Mapped[str | None] = mapped_column(Text)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(400))
    # The personal access token the action came through (None: the console itself).
    token_name: Mapped[str | None] = mapped_column(String(80))

    __table_args__ = (
        Index("ix_admin_logs_entity", "entity_type", "entity_id"),
        Index("ix_admin_logs_created_at", "created_at"),
    )


class AdminApiToken(CreatedAt, Base):
    """A personal access token for /api/v1/admin: only its SHA-256 hash is stored."""

    __tablename__ = "admin_api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    admin_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    scope: Mapped[str] = mapped_column(String(8))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the secret, so an admin can tell tokens apart in the list.
    token_hint: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_ip: Mapped[str | None] = mapped_column(String(45))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (CheckConstraint(sql_in("scope", TOKEN_SCOPES), name="scope"),)


class Setting(Base):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONType)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class IdempotencyKey(CreatedAt, Base):
    """A claimed Idempotency-Key and the first answer given for it (SPEC §6)."""

    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(255))
    request_path: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(
        String(16), default="in_progress", server_default="in_progress"
    )
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[Any | None] = mapped_column(JSONType)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        CheckConstraint(sql_in("state", IDEMPOTENCY_STATES), name="state"),
        Index("ix_idempotency_keys_expires_at", "expires_at"),
    )


class JobRun(Base):
    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_name: Mapped[str] = mapped_column(String(64))
    trigger: Mapped[str] = mapped_column(String(16), default="schedule", server_default="schedule")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(16), default="running", server_default="running")
    rows_touched: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict | None] = mapped_column(JSONType)
    error_text: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(sql_in("outcome", JOB_OUTCOMES), name="outcome"),
        Index("ix_job_runs_job_started", "job_name", "started_at"),
    )


class AnalyticsEvent(CreatedAt, Base):
    __tablename__ = "analytics_events"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    event_type: Mapped[str] = mapped_column(String(64))
    platform: Mapped[str | None] = mapped_column(String(16))
    properties: Mapped[dict | None] = mapped_column(JSONType)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(400))

    __table_args__ = (
        Index("ix_analytics_events_type_created", "event_type", "created_at"),
        Index("ix_analytics_events_user_id", "user_id"),
        Index("ix_analytics_events_created_brin", "created_at", postgresql_using="brin"),
    )
