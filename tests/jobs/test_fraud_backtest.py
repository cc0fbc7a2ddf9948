"""`flask fraud backtest`: stored days re-scored with the current model, nothing changed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.fraud.backtest import backtest
from app.models.base import utcnow
from app.models.steps import StepRecord, StepValidation
from tests.jobs.conftest import NOW, TODAY, days_before


def open_case(record: StepRecord, status: str = "pending", score: int = 80) -> StepValidation:
    case = StepValidation(
        step_record_id=record.id,
        user_id=record.user_id,
        recorded_date=record.recorded_date,
        anomaly_score=score,
        reasons=[{"code": "spike_vs_history", "message": "old model", "weight": score}],
        status=status,
    )
    db.session.add(case)
    db.session.commit()
    return case


def snapshot() -> list[tuple]:
    db.session.expire_all()
    records = db.session.execute(
        select(StepRecord.id, StepRecord.status, StepRecord.anomaly_score).order_by(StepRecord.id)
    ).all()
    cases = db.session.execute(
        select(StepValidation.id, StepValidation.status, StepValidation.anomaly_score)
    ).all()
    return [*records, *cases]


def test_backtest_counts_open_and_closed_cases_that_would_change_and_writes_nothing(
    make_member, add_steps
):
    hiker, farmer = make_member(), make_member()
    for day in days_before(TODAY - timedelta(days=3), 28):
        add_steps(hiker, day, 8000)
        add_steps(farmer, day, 5000)
    # The story: an old-model flag on a 15,000-step hike, still open; and one
    # approved the same way. Both look ordinary to the current model.
    hike = add_steps(hiker, TODAY - timedelta(days=2), 15_000, status="pending")
    open_case(hike)
    approved = add_steps(hiker, TODAY - timedelta(days=1), 16_000)
    open_case(approved, status="approved")
    # A clear cheat the old model let through: no case yet.
    add_steps(farmer, TODAY - timedelta(days=1), 60_000)
    before = snapshot()

    report = backtest(30, now=NOW)

    assert (report.open_cases, report.open_would_clear) == (1, 1)
    assert report.closed_cases == 1
    assert dict(report.closed_would_not_open) == {"approved": 1}
    assert report.new_cases == 1
    assert report.cases_changed == 3
    assert report.reasons_now["spike_vs_history"] == 1
    assert snapshot() == before


def test_a_lower_threshold_previews_more_flags_without_changing_the_setting(make_member, add_steps):
    walker = make_member()
    for day in days_before(TODAY - timedelta(days=2), 28):
        add_steps(walker, day, 4000)
    add_steps(walker, TODAY - timedelta(days=1), 14_000)  # scores, but under 75

    at_75 = backtest(30, now=NOW)
    at_20 = backtest(30, threshold=20, now=NOW)

    assert at_75.new_cases == 0
    assert at_20.new_cases == 1
    assert (at_20.threshold, at_20.current_threshold) == (20, 75)


def test_the_command_prints_the_report(runner, make_member, add_steps):
    walker = make_member()
    today = utcnow().date()
    for day in days_before(today - timedelta(days=2), 10):
        add_steps(walker, day, 5000)
    add_steps(walker, today - timedelta(days=1), 70_000)

    result = runner.invoke(args=["fraud", "backtest", "--days", "30", "--threshold", "60"])

    assert result.exit_code == 0, result.output
    assert "at anomaly_threshold 60 (the setting is 75)" in result.output
    assert "Records without a case that would be flagged now: 1." in result.output
    assert "would open" in result.output
    assert db.session.execute(select(func.count()).select_from(StepValidation)).scalar_one() == 0


def test_the_command_refuses_a_threshold_out_of_range(runner):
    result = runner.invoke(args=["fraud", "backtest", "--threshold", "101"])

    assert result.exit_code != 0
    assert "101" in result.output
