"""reconcile_wallets: every wallet checked against the ledger; drift reported, never fixed."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from app.extensions import db
from app.jobs import run_job
from app.models.wallet import Wallet
from app.services import ledger
from app.services.reconciliation import find_wallet_drift, latest_drift
from tests.jobs.conftest import NOW


def busy_wallets(make_member) -> list[int]:
    """Members whose ledgers hold every kind of movement."""
    walker, shopper, adjusted = make_member(), make_member(), make_member()
    ledger.award_step_coins(walker.id, date(2025, 3, 10), 120)
    ledger.award_achievement(walker.id, "first_steps", 10)
    ledger.award_step_coins(shopper.id, date(2025, 3, 10), 200)
    ledger.freeze_for_order(shopper.id, 1, "FK-2025-000001", 150)
    ledger.spend_for_order(shopper.id, 1, "FK-2025-000001", 150)
    ledger.refund_order(shopper.id, 1, "FK-2025-000001", 150)
    ledger.freeze_for_order(shopper.id, 2, "FK-2025-000002", 50)
    ledger.release_for_order(shopper.id, 2, "FK-2025-000002", 50)
    ledger.adjust_by_admin(adjusted.id, 40, "Goodwill", admin_id=walker.id)
    ledger.adjust_by_admin(adjusted.id, -15, "Correction", admin_id=walker.id)
    db.session.commit()
    return [walker.id, shopper.id, adjusted.id]


def test_books_that_balance_report_no_drift(make_member):
    ids = busy_wallets(make_member)

    result = run_job("reconcile_wallets", now=NOW)

    assert result.outcome == "success"
    assert result.rows_touched == len(ids)
    assert result.details == {"wallets_checked": 3, "drift_count": 0, "drift": []}
    report = latest_drift()
    assert report is not None
    assert (report.wallets_checked, report.drift_count, report.run_id) == (3, 0, result.run_id)


def test_the_set_based_check_agrees_with_ledger_totals_wallet_by_wallet(make_member):
    ids = busy_wallets(make_member)

    assert find_wallet_drift().drift == []
    for user_id in ids:
        totals = ledger.ledger_totals(user_id)
        wallet = db.session.execute(db.select(Wallet).filter_by(user_id=user_id)).scalar_one()
        assert (totals.available, totals.frozen, totals.earned, totals.spent) == (
            wallet.available_coins,
            wallet.frozen_coins,
            wallet.lifetime_earned,
            wallet.lifetime_spent,
        )


def test_an_injected_drift_is_reported_and_left_for_an_admin(make_member):
    ids = busy_wallets(make_member)
    untouched = make_member()  # a wallet with no ledger rows at all
    db.session.execute(
        text("UPDATE wallets SET available_coins = available_coins + 50 WHERE user_id = :id"),
        {"id": ids[1]},
    )
    db.session.execute(
        text("UPDATE wallets SET frozen_coins = 7, lifetime_spent = 3 WHERE user_id = :id"),
        {"id": untouched.id},
    )
    db.session.commit()

    result = run_job("reconcile_wallets", now=NOW)

    assert result.outcome == "success"
    assert result.details["drift_count"] == 2
    shopper, empty = result.details["drift"]
    assert shopper["user_id"] == ids[1]
    assert shopper["fields"] == ["available_coins"]
    assert shopper["wallet"]["available_coins"] == shopper["ledger"]["available_coins"] + 50
    assert empty == {
        "user_id": untouched.id,
        "wallet": {
            "available_coins": 0,
            "frozen_coins": 7,
            "lifetime_earned": 0,
            "lifetime_spent": 3,
        },
        "ledger": {
            "available_coins": 0,
            "frozen_coins": 0,
            "lifetime_earned": 0,
            "lifetime_spent": 0,
        },
        "fields": ["frozen_coins", "lifetime_spent"],
    }
    db.session.expire_all()
    assert (
        db.session.execute(
            db.select(Wallet.frozen_coins).filter_by(user_id=untouched.id)
        ).scalar_one()
        == 7
    )
    report = latest_drift()
    assert report.drift_count == 2
    assert [item["user_id"] for item in report.drift] == [ids[1], untouched.id]


def test_no_report_before_the_first_reconciliation(app):
    assert latest_drift() is None
