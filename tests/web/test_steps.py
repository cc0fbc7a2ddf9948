"""The steps page: day-by-day history, review status and appeals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.notifications import Notification
from app.models.steps import StepRecord, StepValidation
from app.steps import sync as steps


@pytest.fixture
def rejected_day(signed_in, walk):
    """A day the member synced, that was flagged and then rejected with a note."""
    user = signed_in.user
    day = steps.member_today(user) - timedelta(days=2)
    assert walk(user, 95_000, day)[0].status == "flagged"
    case = db.session.execute(select(StepValidation)).scalar_one()
    case.status = "rejected"
    case.review_note = "Your phone counted a bus ride."
    db.session.get(StepRecord, case.step_record_id).status = "rejected"
    db.session.commit()
    return day


def test_history_lists_each_day_with_sources_credited_steps_and_coins(signed_in, walk):
    user = signed_in.user
    today = steps.member_today(user)
    walk(user, 7000, today, source="google_fit")
    walk(user, 7400, today, source="fitbit")

    page = signed_in.get("/steps").text

    assert f'id="day-{today.isoformat()}"' in page
    assert "Google Fit</span> 7,000" in page and "Fitbit</span> 7,400" in page
    assert "7,400 <small>steps</small>" in page
    assert "+74 <small>coins</small>" in page
    assert "no sync" in page


def test_older_days_page_back_and_htmx_gets_only_the_history(signed_in):
    today = steps.member_today(signed_in.user)
    older = today - timedelta(days=14)

    answer = signed_in.htmx_get(f"/steps?end={older.isoformat()}")

    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<section id="history">')
    assert f'id="day-{older.isoformat()}"' in answer.text
    assert f'id="day-{today.isoformat()}"' not in answer.text
    assert "Newer" in answer.text


def test_a_flagged_day_says_it_is_under_review_and_why(signed_in, walk):
    walk(signed_in.user, 95_000)
    page = signed_in.get("/steps").text
    assert "Under review" in page and "We are checking this day" in page


def test_a_rejected_day_shows_the_reason_and_an_appeal_form(signed_in, rejected_day):
    page = signed_in.get("/steps").text

    assert "Your phone counted a bus ride." in page
    assert f'action="/steps/{rejected_day.isoformat()}/appeal"' in page
    assert "you can appeal once" in page


def test_appeal_puts_the_day_back_in_the_queue_with_the_message(signed_in, rejected_day):
    answer = signed_in.post(
        f"/steps/{rejected_day.isoformat()}/appeal", {"message": "I walked to work that day."}
    )

    assert answer.status_code == 302
    case = db.session.execute(select(StepValidation)).scalar_one()
    db.session.refresh(case)
    assert case.status == "appealed"
    assert case.appeal_message == "I walked to work that day."
    assert case.appealed_at is not None
    page = signed_in.get(answer.headers["Location"]).text
    assert "Appeal in review" in page and "I walked to work that day." in page
    assert "Send appeal" not in page
    kinds = db.session.execute(select(Notification.kind)).scalars().all()
    assert "appeal" in kinds


def test_appeal_by_htmx_returns_the_updated_day_row(signed_in, rejected_day):
    answer = signed_in.htmx_post(
        f"/steps/{rejected_day.isoformat()}/appeal", {"message": "Hiking trip."}
    )

    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<li class="day day-appealed"')
    assert "notifications-changed" in answer.headers["HX-Trigger"]


def test_a_day_can_be_appealed_only_once(signed_in, rejected_day):
    path = f"/steps/{rejected_day.isoformat()}/appeal"
    signed_in.post(path, {"message": "First try."})
    case = db.session.execute(select(StepValidation)).scalar_one()
    db.session.refresh(case)
    case.status = "rejected"  # rejected again after the appeal
    db.session.commit()

    again = signed_in.post(path, {"message": "Second try."})

    assert again.status_code == 409
    assert "already appealed" in again.text
    db.session.refresh(case)
    assert case.appeal_message == "First try."


def test_an_empty_appeal_is_an_inline_error(signed_in, rejected_day):
    answer = signed_in.post(f"/steps/{rejected_day.isoformat()}/appeal", {"message": "   "})

    assert answer.status_code == 422
    assert "Tell us what happened that day." in answer.text
    assert "aria-invalid" in answer.text
    assert db.session.execute(select(StepValidation.status)).scalar_one() == "rejected"


def test_a_day_that_was_not_rejected_cannot_be_appealed(signed_in, walk):
    walk(signed_in.user, 95_000)
    today = steps.member_today(signed_in.user)

    answer = signed_in.post(f"/steps/{today.isoformat()}/appeal", {"message": "Please"})

    assert answer.status_code == 409
    assert "Only a rejected day" in answer.text


def test_a_flagged_day_shows_its_score_and_each_reasons_weight(signed_in, walk):
    [result] = walk(signed_in.user, 9000, distance_m=900.0)
    assert result.status == "flagged"
    case = db.session.execute(select(StepValidation)).scalar_one()

    page = signed_in.get("/steps").text

    assert f"Score {case.anomaly_score} of 100" in page
    for reason in case.reasons:
        assert f"+{reason['weight']}</span> {reason['message']}" in page.replace("&#39;", "'")


def test_a_day_over_the_hard_limit_is_shown_refused_with_its_reason(signed_in, walk):
    [result] = walk(signed_in.user, 150_000)
    assert result.status == "rejected"

    page = signed_in.get("/steps").text

    assert "Refused automatically, for the reasons below." in page
    assert "over the hard limit of 100,000 steps" in page
    assert "Appeal this day" in page


def test_the_referrals_page_says_in_plain_words_why_a_bonus_is_held(signed_in, make_member):
    from app.models.linked_accounts import ReferralHold
    from app.models.users import Referral

    friend = make_member(full_name="Fran Friend", referral_code=signed_in.user.referral_code)
    referral = db.session.execute(
        select(Referral).where(Referral.referred_id == friend.id)
    ).scalar_one()
    db.session.add(ReferralHold(referral_id=referral.id, reasons=[]))
    db.session.commit()

    page = signed_in.get("/referrals").text

    assert "Bonus held for a check" in page
    assert "synced steps from the same phone" in page
