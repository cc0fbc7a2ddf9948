"""Helpers for the nightly-job tests: a fixed clock and step records written directly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import pytest

from app.extensions import db
from app.models.steps import StepRecord
from app.models.users import User

# A Wednesday, at the leaderboards' slot: ISO week starts Monday 2025-03-10.
NOW = datetime(2025, 3, 12, 2, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture
def now() -> datetime:
    return NOW


def at(day: date, hour: int = 21, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


@pytest.fixture
def add_steps(app) -> Callable[..., StepRecord]:
    """Write a step record as a sync would have left it (no coins, no scoring)."""

    def add(
        user: User,
        day: date,
        steps: int,
        *,
        source: str = "google_fit",
        status: str = "verified",
        synced_at: datetime | None = None,
        distance_m: float | None = None,
        anomaly_score: int = 0,
    ) -> StepRecord:
        when = synced_at or at(day)
        record = StepRecord(
            user_id=user.id,
            recorded_date=day,
            source=source,
            steps=steps,
            distance_m=distance_m,
            status=status,
            anomaly_score=anomaly_score,
            created_at=when,
            updated_at=when,
        )
        db.session.add(record)
        db.session.commit()
        return record

    return add


def days_before(day: date, count: int) -> list[date]:
    """The `count` days before `day`, oldest first."""
    return [day - timedelta(days=offset) for offset in range(count, 0, -1)]
