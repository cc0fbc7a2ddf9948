"""The COPY loader's data obeys the ledger's rules: every wallet equals its ledger, every
chain verifies with app.coins.ledger_chain's hash, and the schema comes back whole."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app import create_app
from app.coins import reconciliation
from app.extensions import db
from app.gamification import achievement_repair
from app.models.gamification import UserAchievement
from app.models.users import User
from app.models.wallet import CoinTransaction
from bench.load import loader
from seeds.initial import load_initial
from tests.conftest import config_for, migrate_database, recreate_postgres_database

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow]

MEMBERS, DAYS = 30, loader.RECENT_DAYS + 40  # older days are paid per month


def _schema(url: str) -> set[tuple[str, str]]:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        constraints = conn.execute(
            "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) || convalidated::text "
            "FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
        ).fetchall()
        # Names, not definitions: PostgreSQL spells a re-created partial index's ARRAY
        # differently (same meaning).
        indexes = conn.execute(
            "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public'"
        ).fetchall()
    return {tuple(row) for row in constraints + indexes}


@pytest.fixture
def loaded_url() -> str:
    test_database = make_url(os.environ["TEST_DATABASE_URL"])
    url = test_database.set(database=f"{test_database.database}_loader").render_as_string(
        hide_password=False
    )
    recreate_postgres_database(url)
    migrate_database(url)
    app = create_app(config_for(url))
    with app.app_context():
        load_initial("admin@fitkart.example", "loader-test-admin-password")
        db.session.commit()  # the achievements and products the load reads
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    return url


def test_loaded_wallets_equal_their_ledgers_and_every_chain_verifies(loaded_url: str):
    before = _schema(loaded_url)

    figures = loader.load(loaded_url, MEMBERS, DAYS, progress=lambda _: None)

    assert _schema(loaded_url) == before
    assert figures["step_records"] == MEMBERS * DAYS
    app = create_app(config_for(loaded_url))
    with app.app_context():
        assert reconciliation.find_wallet_drift().drift == []
        chains = reconciliation.verify_ledger_chains(now=datetime.now(UTC))
        assert chains.breaks == [] and chains.rows == figures["ledger_rows"]
        kinds = dict(
            db.session.execute(
                select(CoinTransaction.reference_type, func.count()).group_by(
                    CoinTransaction.reference_type
                )
            ).all()
        )
        assert kinds["step_day"] <= MEMBERS * loader.RECENT_DAYS
        assert 0 < kinds["step_month"] <= MEMBERS * 3
        assert kinds["order"] > 0 and kinds["achievement"] > 0
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


def test_the_loader_unlocks_what_the_nightly_sweep_would(loaded_url: str):
    # Two days per step statement: streaks and months run across many statements.
    figures = loader.load(
        loaded_url, MEMBERS, DAYS, progress=lambda _: None, chunk_rows=MEMBERS * 2
    )

    app = create_app(config_for(loaded_url))
    with app.app_context():
        unlocked = db.session.scalar(select(func.count()).select_from(UserAchievement))
        assert unlocked == figures["achievements_unlocked"] > 0
        # The nightly sweep finds nothing left to unlock, for every loaded member.
        member_ids = list(db.session.scalars(select(User.id).where(User.role == "member")))
        swept = achievement_repair.repair_missed_achievements(user_ids=member_ids)
        assert swept.members_checked == MEMBERS and swept.unlocked == []
        paid = db.session.scalar(
            select(func.coalesce(func.sum(CoinTransaction.amount), 0)).where(
                CoinTransaction.transaction_type == "achievement_reward"
            )
        )
        owed = db.session.scalar(select(func.sum(UserAchievement.coins_awarded)))
        assert paid == owed > 0
        assert reconciliation.find_wallet_drift().drift == []
        assert reconciliation.verify_ledger_chains(now=datetime.now(UTC)).breaks == []
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
