"""reconcile_wallets: every wallet checked against the ledger; drift reported, never fixed."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text

from app.coins import ledger, ledger_chain
from app.coins.reconciliation import find_wallet_drift, latest_drift
from app.extensions import db
from app.jobs import run_job
from app.models.admin import AdminLog
from app.models.base import utcnow
from app.models.wallet import CoinTransaction, Wallet
from tests.fixtures.sign_in import sign_in
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
    drift = {key: result.details[key] for key in ("wallets_checked", "drift_count", "drift")}
    assert drift == {"wallets_checked": 3, "drift_count": 0, "drift": []}
    assert result.details["chains"]["broken_count"] == 0
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


SQLITE_NO_UPDATE = """
    CREATE TRIGGER coin_transactions_no_update BEFORE UPDATE ON coin_transactions
    BEGIN SELECT RAISE(ABORT, 'coin_transactions is append-only: UPDATE refused'); END
"""


def edit_with_the_guard_lifted(statement: str, **params: object) -> None:
    """What a database superuser can do: set the append-only trigger aside, edit, restore."""
    if db.engine.dialect.name == "postgresql":
        lift = "ALTER TABLE coin_transactions DISABLE TRIGGER coin_transactions_append_only_rows"
        restore = "ALTER TABLE coin_transactions ENABLE TRIGGER coin_transactions_append_only_rows"
    else:
        lift, restore = "DROP TRIGGER coin_transactions_no_update", SQLITE_NO_UPDATE
    db.session.execute(text(lift))
    db.session.execute(text(statement), params)
    db.session.execute(text(restore))
    db.session.commit()
    try:
        db.session.execute(text("UPDATE coin_transactions SET amount = amount"))
    except Exception:
        db.session.rollback()
    else:
        raise AssertionError("the append-only trigger is not back")


def ledger_ids(user_id: int) -> list[int]:
    return list(
        db.session.execute(
            text("SELECT id FROM coin_transactions WHERE user_id = :u ORDER BY id"), {"u": user_id}
        ).scalars()
    )


def test_an_old_row_edited_behind_the_trigger_is_caught_with_its_row_id(app, make_member, admin):
    ids = busy_wallets(make_member)
    shopper_rows = ledger_ids(ids[1])
    edit_with_the_guard_lifted(
        "UPDATE coin_transactions SET amount = amount + 1000, available_after = available_after"
        " + 1000 WHERE id = :id",
        id=shopper_rows[0],
    )

    result = run_job("reconcile_wallets", now=NOW)

    chains = result.details["chains"]
    assert chains["broken_count"] == 1
    assert chains["broken"] == [
        {"user_id": ids[1], "row_id": shopper_rows[0], "problem": "content_changed"}
    ]
    page = sign_in(app.test_client(), admin.email).get("/admin").get_data(as_text=True)
    assert "Ledger hash chains broken for 1 member" in page
    assert f"#{shopper_rows[0]}" in page
    assert "content changed" in page


def test_a_removed_row_breaks_the_link_of_the_row_after_it(make_member):
    ids = busy_wallets(make_member)
    shopper_rows = ledger_ids(ids[1])
    # A deletion, as an update of the next row's link would not be: the row is gone.
    if db.engine.dialect.name == "postgresql":
        lift = "ALTER TABLE coin_transactions DISABLE TRIGGER coin_transactions_append_only_rows"
        restore = "ALTER TABLE coin_transactions ENABLE TRIGGER coin_transactions_append_only_rows"
        restore_sql = [restore]
    else:
        lift = "DROP TRIGGER coin_transactions_no_delete"
        restore_sql = [
            "CREATE TRIGGER coin_transactions_no_delete BEFORE DELETE ON coin_transactions"
            " BEGIN SELECT RAISE(ABORT, 'coin_transactions is append-only: DELETE refused'); END"
        ]
    db.session.execute(text(lift))
    db.session.execute(
        text("DELETE FROM coin_transactions WHERE id = :id"), {"id": shopper_rows[2]}
    )
    for statement in restore_sql:
        db.session.execute(text(statement))
    db.session.commit()

    chains = run_job("reconcile_wallets", now=NOW).details["chains"]

    assert chains["broken"] == [
        {"user_id": ids[1], "row_id": shopper_rows[3], "problem": "link_broken"}
    ]


def test_history_rewritten_with_fresh_hashes_no_longer_matches_the_published_heads(
    make_member,
):
    ids = busy_wallets(make_member)
    later = utcnow() + timedelta(hours=1)
    first = run_job("reconcile_wallets", now=later)
    published = db.session.execute(
        db.select(AdminLog).where(AdminLog.action == "ledger.chain_heads")
    ).scalar_one()
    assert published.after["heads_digest"] == first.details["chains"]["heads_digest"]
    assert published.after["members"] == 3 and published.after["rows"] == 10

    # The forger edits a row and recomputes every hash after it, so each link verifies.
    rows = ledger_ids(ids[0])
    edit_with_the_guard_lifted(
        "UPDATE coin_transactions SET description = 'forged' WHERE id = :id", id=rows[0]
    )
    prev = ledger_chain.GENESIS_HASH
    for row in db.session.execute(
        db.select(CoinTransaction)
        .where(CoinTransaction.user_id == ids[0])
        .order_by(CoinTransaction.id)
        .execution_options(populate_existing=True)
    ).scalars():
        content = {c: getattr(row, c) for c in ledger_chain.HASHED_COLUMNS}
        digest = ledger_chain.row_hash(content, prev)
        edit_with_the_guard_lifted(
            "UPDATE coin_transactions SET prev_hash = :p, row_hash = :h WHERE id = :id",
            p=prev,
            h=digest,
            id=row.id,
        )
        prev = digest

    second = run_job("reconcile_wallets", now=later + timedelta(days=1))

    chains = second.details["chains"]
    assert chains["broken_count"] == 0
    assert chains["previous_log_id"] == published.id
    assert chains["previous_matches"] is False


def test_untouched_history_matches_the_published_heads_the_next_day(app, make_member, admin):
    busy_wallets(make_member)
    later = utcnow() + timedelta(hours=1)
    run_job("reconcile_wallets", now=later)
    ledger.award_step_coins(make_member().id, date(2025, 3, 11), 30)
    db.session.commit()

    chains = run_job("reconcile_wallets", now=later + timedelta(days=1)).details["chains"]

    assert chains["previous_matches"] is True
    assert (chains["members"], chains["rows"], chains["broken_count"]) == (4, 11, 0)
    page = sign_in(app.test_client(), admin.email).get("/admin").get_data(as_text=True)
    assert "All 4 ledger hash chains verify (11 rows)." in page
