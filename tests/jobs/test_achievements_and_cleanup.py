"""achievements (missed awards repaired, never twice) and cleanup_tokens."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.coins import ledger
from app.extensions import db
from app.jobs import run_job
from app.models.admin import IdempotencyKey
from app.models.gamification import Achievement, UserAchievement
from app.models.notifications import Notification
from app.models.users import RefreshToken
from app.models.wallet import CoinTransaction
from tests.jobs.conftest import NOW, TODAY


def add_achievements() -> None:
    db.session.add_all(
        [
            Achievement(
                code="first_steps",
                name="First Steps",
                unlock_criteria={"total_steps": 1},
                reward_coins=10,
            ),
            Achievement(
                code="ten_k_day",
                name="10K Day",
                unlock_criteria={"daily_steps": 10_000},
                reward_coins=50,
            ),
            Achievement(
                code="hundred_k",
                name="100K Club",
                unlock_criteria={"total_steps": 100_000},
                reward_coins=100,
            ),
        ]
    )
    db.session.commit()


def unlocked(user_id: int) -> set[str]:
    return set(
        db.session.execute(
            select(Achievement.code)
            .join(UserAchievement, UserAchievement.achievement_id == Achievement.id)
            .where(UserAchievement.user_id == user_id)
        ).scalars()
    )


def test_a_missed_achievement_is_repaired_and_never_paid_twice(make_member, add_steps):
    add_achievements()
    walker, banned = make_member(), make_member()
    banned.status = "banned"
    db.session.commit()
    add_steps(walker, TODAY - timedelta(days=1), 12_000)  # its sync never evaluated
    add_steps(banned, TODAY - timedelta(days=1), 12_000)

    first = run_job("achievements", now=NOW)

    assert first.outcome == "success"
    assert first.rows_touched == 2
    assert first.details["unlocked"] == [
        {"user_id": walker.id, "code": "first_steps"},
        {"user_id": walker.id, "code": "ten_k_day"},
    ]
    assert unlocked(walker.id) == {"first_steps", "ten_k_day"}
    assert unlocked(banned.id) == set()
    assert ledger.ledger_totals(walker.id).available == 60
    assert (
        db.session.execute(
            select(func.count()).select_from(Notification).where(Notification.user_id == walker.id)
        ).scalar_one()
        == 2
    )

    again = run_job("achievements", now=NOW + timedelta(days=1))

    assert again.rows_touched == 0
    assert ledger.ledger_totals(walker.id).available == 60
    assert (
        db.session.execute(
            select(func.count())
            .select_from(CoinTransaction)
            .where(CoinTransaction.transaction_type == "achievement_reward")
        ).scalar_one()
        == 2
    )


def test_cleanup_deletes_only_expired_tokens_and_idempotency_keys(make_member):
    walker = make_member()
    for index, expires in enumerate((NOW - timedelta(seconds=1), NOW + timedelta(days=1))):
        db.session.add(
            RefreshToken(
                user_id=walker.id,
                token_hash=f"{index:064d}",
                family_id="family",
                expires_at=expires,
            )
        )
        db.session.add(
            IdempotencyKey(
                user_id=walker.id,
                key=f"key-{index}",
                request_path="/api/v1/steps/sync",
                request_hash="0" * 64,
                expires_at=expires,
            )
        )
    db.session.commit()

    result = run_job("cleanup_tokens", now=NOW)

    assert result.outcome == "success"
    details = dict(result.details)
    # PostgreSQL also makes the month partitions of analytics_events (tests/backoffice).
    assert isinstance(details.pop("event_partitions_created"), list)
    assert details == {"refresh_tokens_deleted": 1, "idempotency_keys_deleted": 1}
    assert result.rows_touched == 2
    assert db.session.execute(select(RefreshToken.token_hash)).scalars().all() == [f"{1:064d}"]
    assert db.session.execute(select(IdempotencyKey.key)).scalars().all() == ["key-1"]
