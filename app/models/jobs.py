"""The lock row a nightly job claims on SQLite (PostgreSQL uses advisory locks instead)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime


class JobLock(Base):
    """One row per job while a process runs it; an expired row may be taken over."""

    __tablename__ = "job_locks"

    job_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    # A random token per run, so only the run that claimed the row releases it.
    owner: Mapped[str] = mapped_column(String(64))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
