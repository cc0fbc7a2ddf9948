"""anomaly_rescore: recent days re-scored with the history that arrived since."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.coins import ledger
from app.extensions import db
from app.jobs import run_job
from app.models.notifications import Notification
from app.models.steps import StepRecord, StepValidation
from tests.jobs.conftest import NOW, TODAY, days_before

SPIKE_DAY = TODAY - timedelta(days=2)


def with_steady_history(add_steps, user, before, steps: int = 3000) -> None:
    """Twenty backfilled days of a very regular walker, ending a week before `before`."""
    for day in days_before(before - timedelta(days=6), 20):
        add_steps(user, day, steps)


def validations(user_id: int) -> list[StepValidation]:
    return list(
        db.session.execute(
            select(StepValidation).where(StepValidation.user_id == user_id)
        ).scalars()
    )


def test_a_day_that_now_stands_out_is_flagged_for_review_and_keeps_its_coins(
    make_member, add_steps
):
    walker = make_member()
    spike = add_steps(walker, SPIKE_DAY, 20_000)  # scored 0 against the population default
    ledger.award_step_coins(walker.id, SPIKE_DAY, 200)
    db.session.commit()
    with_steady_history(add_steps, walker, SPIKE_DAY)

    result = run_job("anomaly_rescore", now=NOW)

    assert result.outcome == "success"
    assert result.details["days_flagged"] == 1
    assert result.details["flagged"] == [{"user_id": walker.id, "date": SPIKE_DAY.isoformat()}]
    db.session.refresh(spike)
    assert spike.status == "pending"
    assert spike.anomaly_score >= 75
    [case] = validations(walker.id)
    assert (case.status, case.step_record_id, case.recorded_date) == (
        "pending",
        spike.id,
        SPIKE_DAY,
    )
    assert case.anomaly_score == spike.anomaly_score
    assert [reason["code"] for reason in case.reasons] == ["spike_vs_history"]
    assert ledger.ledger_totals(walker.id).available == 200
    notice = db.session.execute(
        select(Notification).where(Notification.user_id == walker.id)
    ).scalar_one()
    assert notice.kind == "flag"
    assert SPIKE_DAY.isoformat() in notice.title

    again = run_job("anomaly_rescore", now=NOW + timedelta(hours=1))

    assert again.details["days_flagged"] == 0
    assert len(validations(walker.id)) == 1


def test_a_day_an_admin_already_reviewed_is_never_flagged_again(make_member, add_steps, admin):
    walker = make_member()
    approved = add_steps(walker, SPIKE_DAY, 20_000, source="google_fit")
    other_source = add_steps(walker, SPIKE_DAY, 19_000, source="fitbit")
    db.session.add(
        StepValidation(
            step_record_id=approved.id,
            user_id=walker.id,
            recorded_date=SPIKE_DAY,
            anomaly_score=80,
            reasons=[],
            status="approved",
            reviewed_by_id=admin.id,
            reviewed_at=NOW - timedelta(days=1),
        )
    )
    db.session.commit()
    with_steady_history(add_steps, walker, SPIKE_DAY)

    result = run_job("anomaly_rescore", now=NOW)

    assert result.details["days_flagged"] == 0
    db.session.refresh(approved)
    db.session.refresh(other_source)
    assert (approved.status, other_source.status) == ("verified", "verified")
    assert approved.anomaly_score >= 75
    [case] = validations(walker.id)
    assert (case.status, case.anomaly_score, case.reasons) == ("approved", 80, [])


def test_an_open_case_gets_the_new_score_and_reasons(make_member, add_steps):
    walker = make_member()
    pending = add_steps(walker, SPIKE_DAY, 20_000, status="pending", anomaly_score=40)
    db.session.add(
        StepValidation(
            step_record_id=pending.id,
            user_id=walker.id,
            recorded_date=SPIKE_DAY,
            anomaly_score=40,
            reasons=[{"code": "manual_entry", "message": "Typed in.", "weight": 0}],
        )
    )
    db.session.commit()
    with_steady_history(add_steps, walker, SPIKE_DAY)

    result = run_job("anomaly_rescore", now=NOW)

    assert result.details["cases_updated"] == 1
    [case] = validations(walker.id)
    assert case.status == "pending"
    assert case.anomaly_score >= 75
    assert case.reasons[0]["code"] == "spike_vs_history"


def test_ordinary_and_older_days_are_left_as_they_were(make_member, add_steps):
    walker = make_member()
    ordinary = add_steps(walker, SPIKE_DAY, 3100)
    old_spike = add_steps(walker, TODAY - timedelta(days=9), 15_000)
    with_steady_history(add_steps, walker, TODAY - timedelta(days=9))

    result = run_job("anomaly_rescore", now=NOW)

    assert result.details["days_flagged"] == 0
    db.session.refresh(ordinary)
    db.session.refresh(old_spike)
    assert (ordinary.status, ordinary.anomaly_score) == ("verified", 0)
    assert (old_spike.status, old_spike.anomaly_score) == ("verified", 0)
    assert db.session.execute(select(func.count()).select_from(StepValidation)).scalar_one() == 0
    assert result.details["records_rescored"] == 1


def test_intervals_stored_by_a_sync_feed_the_cadence_check(make_member, add_steps):
    walker = make_member()
    record = add_steps(walker, SPIKE_DAY, 6000)
    record.intervals = [
        {
            "start": f"{SPIKE_DAY}T08:00:00+00:00",
            "end": f"{SPIKE_DAY}T08:10:00+00:00",
            "steps": 6000,
        },
        {"start": "not a time", "end": None, "steps": 1},
    ]
    db.session.commit()

    run_job("anomaly_rescore", now=NOW)

    db.session.refresh(record)
    assert record.anomaly_score == 40  # 600 steps/min: the cadence reason alone
    assert db.session.execute(select(StepRecord.status)).scalar_one() == "verified"


def test_a_day_synced_before_a_second_account_used_the_phone_is_flagged_by_the_rescore(
    make_member, add_steps
):
    from app.core.db import transaction
    from app.fraud import linked_accounts

    first, second = make_member(), make_member()
    day = TODAY - timedelta(days=1)
    earlier = add_steps(first, day, 7000)
    earlier.device_id = "shared-phone"
    db.session.commit()
    with transaction():
        linked_accounts.record_device(first.id, "shared-phone", NOW - timedelta(hours=5))
        linked_accounts.record_device(second.id, "shared-phone", NOW - timedelta(hours=1))

    result = run_job("anomaly_rescore", now=NOW)

    assert result.details["flagged"] == [{"user_id": first.id, "date": day.isoformat()}]
    [case] = validations(first.id)
    assert [reason["code"] for reason in case.reasons] == ["shared_device"]
