"""Admin review of flagged days: approve pays, reject explains, one admin wins a race."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.coins import ledger
from app.core.errors import AlreadyReviewed, ValidationFailed
from app.extensions import db
from app.fraud import review
from app.models.admin import AdminLog
from app.models.notifications import Notification
from app.models.steps import StepRecord, StepValidation
from app.models.wallet import Wallet
from app.steps import sync as steps


def flag_a_day(user, steps_count: int = 9_000) -> StepValidation:
    today = steps.member_today(user)
    results = steps.sync_records(
        user,
        [
            steps.IncomingRecord(
                day=today, steps=steps_count, source="manual", recording_method="manual"
            )
        ],
    )
    assert results[0].status == "flagged"
    return db.session.execute(select(StepValidation)).scalars().all()[-1]


def wallet(user_id: int) -> Wallet:
    db.session.expire_all()
    return db.session.execute(select(Wallet).where(Wallet.user_id == user_id)).scalar_one()


def test_flagged_day_is_in_the_queue_highest_score_first(member, make_member):
    low = flag_a_day(member, 3_000)
    other = make_member()
    high = flag_a_day(other, 9_000)
    db.session.get(StepValidation, high.id).anomaly_score = 90
    db.session.commit()
    cases = review.queue(review.QueueFilters())
    assert [c.validation.id for c in cases] == [high.id, low.id]
    assert review.queue_size() == 2


def test_queue_filters_by_member_score_and_source(member, make_member):
    flag_a_day(member)
    flag_a_day(make_member(email="someone.else@example.com"))
    found = review.queue(review.QueueFilters(member="someone.else"))
    assert [c.member.email for c in found] == ["someone.else@example.com"]
    assert review.queue(review.QueueFilters(source="fitbit")) == []
    assert review.queue(review.QueueFilters(min_score=1)) == []


def test_approve_awards_the_days_coins_and_audits(member, admin):
    case = flag_a_day(member, 9_050)
    assert wallet(member.id).available_coins == 0
    coins = review.approve(case.id, admin_id=admin.id, note="Hiking photos check out")
    assert coins == 90
    assert wallet(member.id).available_coins == 90
    record = db.session.get(StepRecord, case.step_record_id)
    assert record.status == "verified"
    db.session.refresh(case)
    assert (case.status, case.reviewed_by_id) == ("approved", admin.id)
    log = db.session.execute(select(AdminLog)).scalar_one()
    assert (log.action, log.entity_id, log.after["coins_awarded"]) == (
        "fraud.approve",
        str(case.id),
        90,
    )
    totals = ledger.ledger_totals(member.id)
    assert totals.available == 90


def test_reject_needs_a_note_and_tells_the_member(member, admin):
    case = flag_a_day(member)
    with pytest.raises(ValidationFailed):
        review.reject(case.id, admin_id=admin.id, note="  ")
    review.reject(case.id, admin_id=admin.id, note="Steps do not match a walk.")
    assert db.session.get(StepRecord, case.step_record_id).status == "rejected"
    assert wallet(member.id).available_coins == 0
    titles = db.session.execute(
        select(Notification.title).where(Notification.user_id == member.id)
    ).scalars()
    assert any("not accepted" in t for t in titles)


def test_a_closed_case_cannot_be_reviewed_again(member, admin):
    case = flag_a_day(member)
    review.approve(case.id, admin_id=admin.id)
    with pytest.raises(AlreadyReviewed) as excinfo:
        review.reject(case.id, admin_id=admin.id, note="late")
    assert "already approved by Ada Admin" in excinfo.value.message
    assert wallet(member.id).available_coins == 90


def test_two_admins_at_once_one_wins_and_coins_are_paid_once(app, member, admin, make_member):
    other_admin = make_member(full_name="Otto Admin", role="admin")
    case = flag_a_day(member)
    case_id, admin_ids = case.id, (admin.id, other_admin.id)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)
    db.session.rollback()

    def act(index: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                if index == 0:
                    review.approve(case_id, admin_id=admin_ids[0])
                else:
                    review.reject(case_id, admin_id=admin_ids[1], note="no")
                outcomes.append("won")
            except AlreadyReviewed:
                outcomes.append("told")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=act, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["told", "won"]
    audits = db.session.execute(select(func.count()).select_from(AdminLog)).scalar_one()
    assert audits == 1
    balance = wallet(member.id).available_coins
    assert balance in (0, 90)


def test_bulk_approves_each_and_skips_the_already_reviewed(member, admin, make_member):
    first = flag_a_day(member)
    second = flag_a_day(make_member())
    review.reject(second.id, admin_id=admin.id, note="no")
    outcome = review.bulk([first.id, second.id], "approve", admin_id=admin.id)
    assert outcome.done == [first.id]
    assert list(outcome.skipped) == [second.id]


def test_evidence_has_history_other_sources_and_past_flags(member):
    case = flag_a_day(member)
    today = steps.member_today(member)
    steps.sync_records(
        member,
        [
            steps.IncomingRecord(
                day=today, steps=4_000, source="fitbit", distance_m=3_000, active_minutes=40
            )
        ],
    )
    evidence = review.evidence(case.id)
    assert len(evidence.days) == 30
    assert evidence.days[-1].day == today
    assert [o.source for o in evidence.other_sources] == ["fitbit"]
    assert evidence.account_age_days == 0
    assert evidence.past_flags == {}
